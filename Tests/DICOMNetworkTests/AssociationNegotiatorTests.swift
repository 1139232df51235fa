import DICOMNetwork
import Testing

@Suite("Association negotiation (pure)")
struct AssociationNegotiatorTests {
    static let ct = "1.2.840.10008.5.1.4.1.1.2"
    static let policy = AcceptancePolicy(
        aeTitle: "GATEWAY", abstractSyntaxes: [ct],
        transferSyntaxPreference: [NetworkUID.explicitVRLittleEndian, NetworkUID.implicitVRLittleEndian])

    static func request(
        called: String = "GATEWAY", calling: String = "MODALITY", contexts: [PresentationContextProposal],
        userInformation: UserInformation = UserInformation(maxLength: 16384)
    ) -> AssociateRequest {
        AssociateRequest(calledAETitle: called, callingAETitle: calling, presentationContexts: contexts, userInformation: userInformation)
    }

    @Test("per-context results 0, 3, 4 and transfer syntax by our preference")
    func perContext() throws {
        let rq = Self.request(contexts: [
            .init(id: 1, abstractSyntax: Self.ct, transferSyntaxes: [NetworkUID.implicitVRLittleEndian, NetworkUID.explicitVRLittleEndian]),
            .init(id: 3, abstractSyntax: "1.2.3.4", transferSyntaxes: [NetworkUID.implicitVRLittleEndian]),
            .init(id: 5, abstractSyntax: Self.ct, transferSyntaxes: ["1.2.840.10008.1.2.4.50"]),
            .init(id: 7, abstractSyntax: NetworkUID.verificationSOPClass, transferSyntaxes: [NetworkUID.implicitVRLittleEndian]),
            .init(id: 8, abstractSyntax: Self.ct, transferSyntaxes: [NetworkUID.implicitVRLittleEndian]),
        ])
        guard case .accept(let ac) = AssociationNegotiator.negotiate(rq, policy: Self.policy, peerAddress: "127.0.0.1") else {
            Issue.record("expected acceptance")
            return
        }
        #expect(ac.presentationContexts.map(\.result) == [.acceptance, .abstractSyntaxNotSupported, .transferSyntaxesNotSupported, .acceptance, .noReason])
        #expect(ac.presentationContexts[0].transferSyntax == NetworkUID.explicitVRLittleEndian)
        #expect(ac.userInformation.maxLength == Self.policy.maxPDULength)
        #expect(ac.userInformation.implementationClassUID == NetworkUID.implementationClassUID)
    }

    @Test("no acceptable context: A-ASSOCIATE-RJ instead of an empty accept")
    func nothingAcceptable() {
        let rq = Self.request(contexts: [.init(id: 1, abstractSyntax: "1.2.3", transferSyntaxes: [NetworkUID.implicitVRLittleEndian])])
        guard case .reject(let rj, _) = AssociationNegotiator.negotiate(rq, policy: Self.policy, peerAddress: nil) else {
            Issue.record("expected rejection")
            return
        }
        #expect(rj.result == .permanent)
        #expect(rj.source == 1)
    }

    @Test("called AE title check, and its switch")
    func calledAE() {
        let rq = Self.request(called: "OTHER", contexts: [.init(id: 1, abstractSyntax: Self.ct, transferSyntaxes: [NetworkUID.implicitVRLittleEndian])])
        #expect(AssociationNegotiator.negotiate(rq, policy: Self.policy, peerAddress: nil) == .reject(.calledAETitleNotRecognized, reason: "called AE title 'OTHER'"))
        var lenient = Self.policy
        lenient.requireCalledAETitle = false
        guard case .accept = AssociationNegotiator.negotiate(rq, policy: lenient, peerAddress: nil) else {
            Issue.record("expected acceptance")
            return
        }
    }

    @Test("calling AE allow-list, optionally bound to the peer address", arguments: [
        ("MODALITY", "10.0.0.1", true), ("MODALITY", "10.0.0.2", false), ("ANYWHERE", "10.9.9.9", true), ("STRANGER", "10.0.0.1", false),
    ])
    func allowList(calling: String, address: String, accepted: Bool) {
        var policy = Self.policy
        policy.allowedCallers = [.init(aeTitle: "MODALITY", addresses: ["10.0.0.1"]), .init(aeTitle: "ANYWHERE")]
        let rq = Self.request(calling: calling, contexts: [.init(id: 1, abstractSyntax: Self.ct, transferSyntaxes: [NetworkUID.implicitVRLittleEndian])])
        let outcome = AssociationNegotiator.negotiate(rq, policy: policy, peerAddress: address)
        if accepted {
            guard case .accept = outcome else {
                Issue.record("expected acceptance")
                return
            }
        } else {
            guard case .reject(let rj, _) = outcome else {
                Issue.record("expected rejection")
                return
            }
            #expect(rj == .callingAETitleNotRecognized)
        }
    }

    @Test("wrong application context is rejected")
    func applicationContext() {
        var rq = Self.request(contexts: [.init(id: 1, abstractSyntax: Self.ct, transferSyntaxes: [NetworkUID.implicitVRLittleEndian])])
        rq.applicationContextName = "1.2.3"
        guard case .reject(let rj, _) = AssociationNegotiator.negotiate(rq, policy: Self.policy, peerAddress: nil) else {
            Issue.record("expected rejection")
            return
        }
        #expect(rj == .applicationContextNotSupported)
    }

    @Test("async window answered 1/1; role selection answered SCU only")
    func userInformation() {
        let info = UserInformation(
            maxLength: 0, asyncOperationsWindow: .init(invoked: 5, performed: 5),
            roleSelections: [.init(sopClassUID: Self.ct, scuRole: true, scpRole: true)])
        let rq = Self.request(contexts: [.init(id: 1, abstractSyntax: Self.ct, transferSyntaxes: [NetworkUID.implicitVRLittleEndian])], userInformation: info)
        guard case .accept(let ac) = AssociationNegotiator.negotiate(rq, policy: Self.policy, peerAddress: nil) else {
            Issue.record("expected acceptance")
            return
        }
        #expect(ac.userInformation.asyncOperationsWindow == .init(invoked: 1, performed: 1))
        #expect(ac.userInformation.roleSelections == [.init(sopClassUID: Self.ct, scuRole: true, scpRole: false)])
    }
}

@Suite("Default acceptance policy")
struct DefaultPolicyTests {
    @Test("every Storage SOP class from the dictionary is accepted by default, others are not")
    func allStorage() {
        let policy = AcceptancePolicy(aeTitle: "GATEWAY")
        #expect(policy.abstractSyntaxes.count > 100)
        #expect(policy.abstractSyntaxes.contains("1.2.840.10008.5.1.4.1.1.66.4"))  // Segmentation Storage
        #expect(policy.abstractSyntaxes.contains("1.2.840.10008.5.1.4.1.1.2"))  // CT Image Storage
        #expect(!policy.abstractSyntaxes.contains("1.2.840.10008.5.1.4.1.2.1.1"))  // Patient Root Q/R FIND
    }
}
