import NIOCore
import Testing

@testable import DICOMNetwork

@Suite("Association state machine (PS3.8 Sta1–Sta13)")
struct AssociationStateMachineTests {
    typealias SM = AssociationStateMachine
    let rq = PDUCodecTests.request
    let ac = PDUCodecTests.accept
    let pdv = PresentationDataValue(presentationContextID: 1, isCommand: true, isLast: true, data: ByteBuffer(bytes: [0]))

    /// An acceptor that has received and accepted an association: Sta6.
    func establishedAcceptor() -> SM {
        var sm = SM(role: .acceptor)
        _ = sm.handle(.transportAccepted)
        _ = sm.handle(.received(.associateRequest(self.rq)))
        _ = sm.handle(.localAccept(self.ac))
        return sm
    }

    @Test("acceptor: accept, data, release by peer")
    func acceptorHappyPath() {
        var sm = SM(role: .acceptor)
        #expect(sm.handle(.transportAccepted) == [.startARTIM])
        #expect(sm.state == .sta2)
        #expect(sm.handle(.received(.associateRequest(rq))) == [.stopARTIM, .indicate(.associateRequest(rq))])
        #expect(sm.state == .sta3)
        #expect(sm.handle(.localAccept(ac)) == [.send(.associateAccept(ac))])
        #expect(sm.state == .sta6)
        #expect(sm.handle(.received(.dataTransfer([pdv]))) == [.indicate(.data([pdv]))])
        #expect(sm.handle(.localData([pdv])) == [.send(.dataTransfer([pdv]))])
        #expect(sm.handle(.received(.releaseRequest)) == [.indicate(.releaseRequested)])
        #expect(sm.state == .sta8)
        #expect(sm.handle(.localReleaseResponse) == [.send(.releaseResponse), .startARTIM])
        #expect(sm.state == .sta13)
        #expect(sm.handle(.transportClosed) == [.stopARTIM])
        #expect(sm.state == .sta1)
    }

    @Test("requestor: connect, associate, release")
    func requestorHappyPath() {
        var sm = SM(role: .requestor)
        #expect(sm.handle(.localAssociateRequest(rq)) == [.connectTransport])
        #expect(sm.state == .sta4)
        #expect(sm.handle(.transportConnected) == [.send(.associateRequest(rq))])
        #expect(sm.state == .sta5)
        #expect(sm.handle(.received(.associateAccept(ac))) == [.indicate(.associateAccepted(ac))])
        #expect(sm.state == .sta6)
        #expect(sm.handle(.localReleaseRequest) == [.send(.releaseRequest)])
        #expect(sm.state == .sta7)
        #expect(sm.handle(.received(.dataTransfer([pdv]))) == [.indicate(.data([pdv]))])
        #expect(sm.handle(.received(.releaseResponse)) == [.indicate(.releaseConfirmed), .closeTransport])
        #expect(sm.state == .sta1)
    }

    @Test("requestor: rejection closes the transport")
    func requestorRejected() {
        var sm = SM(role: .requestor)
        _ = sm.handle(.localAssociateRequest(rq))
        _ = sm.handle(.transportConnected)
        #expect(sm.handle(.received(.associateReject(.localLimitExceeded)))
            == [.indicate(.associateRejected(.localLimitExceeded)), .closeTransport])
        #expect(sm.state == .sta1)
    }

    @Test("acceptor: local reject sends RJ and waits for close under ARTIM")
    func acceptorRejects() {
        var sm = SM(role: .acceptor)
        _ = sm.handle(.transportAccepted)
        _ = sm.handle(.received(.associateRequest(rq)))
        #expect(sm.handle(.localReject(.calledAETitleNotRecognized))
            == [.send(.associateReject(.calledAETitleNotRecognized)), .startARTIM])
        #expect(sm.state == .sta13)
        #expect(sm.handle(.received(.dataTransfer([pdv]))) == [])  // AA-6
        #expect(sm.handle(.artimExpired) == [.closeTransport])
        #expect(sm.state == .sta1)
    }

    @Test("unsupported protocol version is rejected by the machine itself")
    func protocolVersion() {
        var sm = SM(role: .acceptor)
        _ = sm.handle(.transportAccepted)
        var bad = rq
        bad.protocolVersion = 2
        #expect(sm.handle(.received(.associateRequest(bad)))
            == [.stopARTIM, .send(.associateReject(.protocolVersionNotSupported)), .startARTIM])
        #expect(sm.state == .sta13)
    }

    @Test("P-DATA before association is answered with an A-ABORT (unexpected PDU)")
    func dataBeforeAssociation() {
        var sm = SM(role: .acceptor)
        _ = sm.handle(.transportAccepted)
        #expect(sm.handle(.received(.dataTransfer([pdv]))) == [.send(.abort(.byProvider(.unexpectedPDU))), .startARTIM])
        #expect(sm.state == .sta13)
    }

    @Test("ARTIM expiry in Sta2 closes the connection")
    func artimInSta2() {
        var sm = SM(role: .acceptor)
        _ = sm.handle(.transportAccepted)
        #expect(sm.handle(.artimExpired) == [.closeTransport])
        #expect(sm.state == .sta1)
    }

    @Test("invalid PDU in Sta2 (malformed A-ASSOCIATE-RQ) aborts promptly with the diagnostic")
    func malformedRequest() {
        var sm = SM(role: .acceptor)
        _ = sm.handle(.transportAccepted)
        #expect(sm.handle(.invalidPDU(.invalidPDUParameterValue))
            == [.send(.abort(.byProvider(.invalidPDUParameterValue))), .startARTIM])
        #expect(sm.state == .sta13)
    }

    @Test("invalid PDU when established: AA-8")
    func invalidInSta6() {
        var sm = establishedAcceptor()
        #expect(sm.handle(.invalidPDU(.unrecognizedPDU))
            == [.send(.abort(.byProvider(.unrecognizedPDU))), .indicate(.providerAborted(.unrecognizedPDU)), .startARTIM])
        #expect(sm.state == .sta13)
    }

    @Test("a second A-ASSOCIATE-RQ when established: AA-8 unexpected PDU")
    func secondRequest() {
        var sm = establishedAcceptor()
        #expect(sm.handle(.received(.associateRequest(rq))).first == .send(.abort(.byProvider(.unexpectedPDU))))
    }

    @Test("A-ABORT from the peer mid-transfer: AA-3")
    func peerAbort() {
        var sm = establishedAcceptor()
        #expect(sm.handle(.received(.abort(.byUser))) == [.indicate(.aborted(.byUser)), .closeTransport])
        #expect(sm.state == .sta1)
        #expect(sm.handle(.localData([pdv])) == [.rejectLocalRequest])
    }

    @Test("connection dropped when established: AA-4")
    func connectionLost() {
        var sm = establishedAcceptor()
        #expect(sm.handle(.transportClosed) == [.indicate(.connectionLost(nil))])
        #expect(sm.state == .sta1)
    }

    @Test("local abort: AA-1")
    func localAbort() {
        var sm = establishedAcceptor()
        #expect(sm.handle(.localAbort) == [.send(.abort(.byUser)), .startARTIM])
        #expect(sm.state == .sta13)
    }

    @Test("release collision, requestor side: Sta7 → Sta9 → Sta11 → Sta1")
    func collisionRequestor() {
        var sm = SM(role: .requestor)
        _ = sm.handle(.localAssociateRequest(rq))
        _ = sm.handle(.transportConnected)
        _ = sm.handle(.received(.associateAccept(ac)))
        _ = sm.handle(.localReleaseRequest)
        #expect(sm.handle(.received(.releaseRequest)) == [.indicate(.releaseRequested)])
        #expect(sm.state == .sta9)
        #expect(sm.handle(.localReleaseResponse) == [.send(.releaseResponse)])
        #expect(sm.state == .sta11)
        #expect(sm.handle(.received(.releaseResponse)) == [.indicate(.releaseConfirmed), .closeTransport])
        #expect(sm.state == .sta1)
    }

    @Test("release collision, acceptor side: Sta7 → Sta10 → Sta12 → Sta13")
    func collisionAcceptor() {
        var sm = establishedAcceptor()
        _ = sm.handle(.localReleaseRequest)
        #expect(sm.handle(.received(.releaseRequest)) == [.indicate(.releaseRequested)])
        #expect(sm.state == .sta10)
        #expect(sm.handle(.received(.releaseResponse)) == [.indicate(.releaseConfirmed)])
        #expect(sm.state == .sta12)
        #expect(sm.handle(.localReleaseResponse) == [.send(.releaseResponse), .startARTIM])
        #expect(sm.state == .sta13)
    }

    @Test("local primitives in the wrong state are refused without a state change")
    func wrongLocalPrimitives() {
        var sm = SM(role: .acceptor)
        #expect(sm.handle(.localData([pdv])) == [.rejectLocalRequest])
        #expect(sm.handle(.localAccept(ac)) == [.rejectLocalRequest])
        #expect(sm.handle(.localReleaseRequest) == [.rejectLocalRequest])
        #expect(sm.state == .sta1)
    }
}
