/// The DICOM upper-layer association state machine (PS3.8 §9.2, Table 9-10), as a value.
///
/// Each event returns the actions to carry out, in order; the machine performs no I/O and
/// starts no timers itself. `AssociationHandler` feeds it channel events and executes its
/// actions. States are named as in the standard (Sta1–Sta13), events as Evt1–Evt19.
///
/// One deliberate difference from the table: where the standard answers an unexpected or
/// invalid PDU in Sta2 with AA-1 (a service-user A-ABORT, whose reason is "not significant"),
/// this machine sends a service-provider A-ABORT carrying the diagnostic (unexpected PDU,
/// invalid parameter…), which tells the peer what went wrong.
public struct AssociationStateMachine: Sendable {
    /// The states of PS3.8 Table 9-10.
    public enum State: Int, Sendable, Hashable {
        /// Idle.
        case sta1 = 1
        /// Transport connection open, awaiting A-ASSOCIATE-RQ PDU.
        case sta2
        /// Awaiting local A-ASSOCIATE response primitive.
        case sta3
        /// Awaiting transport connection opening to complete.
        case sta4
        /// Awaiting A-ASSOCIATE-AC or -RJ PDU.
        case sta5
        /// Association established, ready for data transfer.
        case sta6
        /// Awaiting A-RELEASE-RP PDU.
        case sta7
        /// Awaiting local A-RELEASE response primitive.
        case sta8
        /// Release collision, requestor side: awaiting A-RELEASE response primitive.
        case sta9
        /// Release collision, acceptor side: awaiting A-RELEASE-RP PDU.
        case sta10
        /// Release collision, requestor side: awaiting A-RELEASE-RP PDU.
        case sta11
        /// Release collision, acceptor side: awaiting A-RELEASE response primitive.
        case sta12
        /// Awaiting transport connection close indication.
        case sta13
    }

    /// Which side of the association this machine runs.
    public enum Role: Sendable, Hashable {
        /// Association requestor (SCU side).
        case requestor
        /// Association acceptor (SCP side).
        case acceptor
    }

    /// What the handler must do.
    public enum Action: Sendable, Hashable {
        /// Open the transport connection (AE-1).
        case connectTransport
        /// Write this PDU (and flush).
        case send(PDU)
        /// Start (or restart) the ARTIM timer.
        case startARTIM
        /// Stop the ARTIM timer.
        case stopARTIM
        /// Close the transport connection.
        case closeTransport
        /// Hand this indication or confirmation to the service user.
        case indicate(Indication)
        /// The local request is not valid in the current state; fail it, change nothing.
        case rejectLocalRequest
    }

    /// Indications and confirmations for the service user.
    public enum Indication: Sendable, Hashable {
        /// A-ASSOCIATE indication: the peer's request, awaiting our response (acceptor).
        case associateRequest(AssociateRequest)
        /// A-ASSOCIATE confirmation (accept) (requestor).
        case associateAccepted(AssociateAccept)
        /// A-ASSOCIATE confirmation (reject) (requestor).
        case associateRejected(AssociateReject)
        /// P-DATA indication.
        case data([PresentationDataValue])
        /// A-RELEASE indication: the peer asks to release; answer with a release response.
        case releaseRequested
        /// A-RELEASE confirmation: the release completed.
        case releaseConfirmed
        /// A-ABORT indication: the peer sent an A-ABORT PDU.
        case aborted(Abort)
        /// A-P-ABORT indication: the provider aborted (protocol error on our side of the wire).
        case providerAborted(Abort.Reason)
        /// The transport connection closed without release or abort; the reason if one is known
        /// (the handler fills in the last channel error, e.g. a TLS handshake failure).
        case connectionLost(String?)
        /// An ACSE, DIMSE or idle timeout expired; the association was aborted.
        case timedOut
    }

    /// The events of PS3.8 Table 9-10.
    public enum Event: Sendable, Hashable {
        /// Evt1: local A-ASSOCIATE request primitive.
        case localAssociateRequest(AssociateRequest)
        /// Evt2: transport connect confirmation.
        case transportConnected
        /// Evt5: transport connection indication (acceptor).
        case transportAccepted
        /// Evt3, 4, 6, 10, 12, 13, 16: a PDU arrived.
        case received(PDU)
        /// Evt7: local A-ASSOCIATE response (accept).
        case localAccept(AssociateAccept)
        /// Evt8: local A-ASSOCIATE response (reject).
        case localReject(AssociateReject)
        /// Evt9: local P-DATA request.
        case localData([PresentationDataValue])
        /// Evt11: local A-RELEASE request.
        case localReleaseRequest
        /// Evt14: local A-RELEASE response.
        case localReleaseResponse
        /// Evt15: local A-ABORT request.
        case localAbort
        /// Evt17: transport connection closed.
        case transportClosed
        /// Evt18: ARTIM timer expired.
        case artimExpired
        /// Evt19: unrecognized or invalid PDU received, with the diagnostic to send.
        case invalidPDU(Abort.Reason)
        /// An ACSE, DIMSE or idle timer (not ARTIM) expired: treated as a local abort.
        case timeout
    }

    /// The current state.
    public private(set) var state: State
    /// Our role.
    public let role: Role
    private var pendingRequest: AssociateRequest?

    /// Creates a machine in Sta1 (idle).
    public init(role: Role) {
        self.role = role
        self.state = .sta1
    }

    /// Feeds one event and returns the actions to perform, in order.
    public mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .localAssociateRequest(let rq):
            guard self.state == .sta1 else { return [.rejectLocalRequest] }
            self.pendingRequest = rq
            self.state = .sta4  // AE-1
            return [.connectTransport]

        case .transportConnected:
            guard self.state == .sta4, let rq = self.pendingRequest else { return [] }
            self.pendingRequest = nil
            self.state = .sta5  // AE-2
            return [.send(.associateRequest(rq))]

        case .transportAccepted:
            guard self.state == .sta1 else { return [] }
            self.state = .sta2  // AE-5
            return [.startARTIM]

        case .received(let pdu):
            return self.received(pdu)

        case .localAccept(let ac):
            guard self.state == .sta3 else { return [.rejectLocalRequest] }
            self.state = .sta6  // AE-7
            return [.send(.associateAccept(ac))]

        case .localReject(let rj):
            guard self.state == .sta3 else { return [.rejectLocalRequest] }
            self.state = .sta13  // AE-8
            return [.send(.associateReject(rj)), .startARTIM]

        case .localData(let values):
            switch self.state {
            case .sta6, .sta8: return [.send(.dataTransfer(values))]  // DT-1, AR-7
            default: return [.rejectLocalRequest]
            }

        case .localReleaseRequest:
            guard self.state == .sta6 else { return [.rejectLocalRequest] }
            self.state = .sta7  // AR-1
            return [.send(.releaseRequest)]

        case .localReleaseResponse:
            switch self.state {
            case .sta8, .sta12:
                self.state = .sta13  // AR-4
                return [.send(.releaseResponse), .startARTIM]
            case .sta9:
                self.state = .sta11  // AR-9
                return [.send(.releaseResponse)]
            default:
                return [.rejectLocalRequest]
            }

        case .localAbort:
            switch self.state {
            case .sta1, .sta13:
                return []
            case .sta2, .sta4:
                self.state = .sta1  // AA-2
                return [.stopARTIM, .closeTransport]
            default:
                self.state = .sta13  // AA-1
                return [.send(.abort(.byUser)), .startARTIM]
            }

        case .transportClosed:
            switch self.state {
            case .sta1:
                return []
            case .sta2:
                self.state = .sta1  // AA-5
                return [.stopARTIM]
            case .sta13:
                self.state = .sta1  // AR-5
                return [.stopARTIM]
            default:
                self.state = .sta1  // AA-4
                return [.indicate(.connectionLost(nil))]
            }

        case .artimExpired:
            switch self.state {
            case .sta2, .sta13:
                self.state = .sta1  // AA-2
                return [.closeTransport]
            default:
                return []
            }

        case .timeout:
            switch self.state {
            case .sta1, .sta13:
                return []
            case .sta2, .sta4:
                self.state = .sta1
                return [.stopARTIM, .indicate(.timedOut), .closeTransport]
            default:
                self.state = .sta13
                return [.send(.abort(.byProvider(.notSpecified))), .indicate(.timedOut), .startARTIM]
            }

        case .invalidPDU(let reason):
            switch self.state {
            case .sta1, .sta4:
                return []
            case .sta2:
                self.state = .sta13  // AA-1 (with a provider diagnostic, see type docs)
                return [.send(.abort(.byProvider(reason))), .startARTIM]
            case .sta13:
                return [.send(.abort(.byProvider(reason)))]  // AA-7
            default:
                return self.providerAbort(reason)
            }
        }
    }

    /// AA-8: send a provider A-ABORT, tell the user, wait for the peer to close.
    private mutating func providerAbort(_ reason: Abort.Reason) -> [Action] {
        self.state = .sta13
        return [.send(.abort(.byProvider(reason))), .indicate(.providerAborted(reason)), .startARTIM]
    }

    private mutating func received(_ pdu: PDU) -> [Action] {
        let state = self.state
        // Sta1 and Sta4 have no transport to receive on; nothing to do.
        if state == .sta1 || state == .sta4 { return [] }
        switch pdu {
        case .abort(let abort):
            switch state {
            case .sta2, .sta13:
                self.state = .sta1  // AA-2
                return [.stopARTIM, .closeTransport]
            default:
                self.state = .sta1  // AA-3
                return [.indicate(.aborted(abort)), .closeTransport]
            }

        case .associateRequest(let rq):
            switch state {
            case .sta2:
                // AE-6: only protocol version 1 (bit 0) is defined.
                guard rq.protocolVersion & 0x0001 != 0 else {
                    self.state = .sta13
                    return [.stopARTIM, .send(.associateReject(.protocolVersionNotSupported)), .startARTIM]
                }
                self.state = .sta3
                return [.stopARTIM, .indicate(.associateRequest(rq))]
            case .sta13:
                return [.send(.abort(.byProvider(.unexpectedPDU)))]  // AA-7
            default:
                return self.providerAbort(.unexpectedPDU)  // AA-8
            }

        case .associateAccept(let ac):
            switch state {
            case .sta5:
                self.state = .sta6  // AE-3
                return [.indicate(.associateAccepted(ac))]
            default:
                return self.unexpected(state)
            }

        case .associateReject(let rj):
            switch state {
            case .sta5:
                self.state = .sta1  // AE-4
                return [.indicate(.associateRejected(rj)), .closeTransport]
            default:
                return self.unexpected(state)
            }

        case .dataTransfer(let values):
            switch state {
            case .sta6, .sta7:
                return [.indicate(.data(values))]  // DT-2, AR-6
            default:
                return self.unexpected(state)
            }

        case .releaseRequest:
            switch state {
            case .sta6:
                self.state = .sta8  // AR-2
                return [.indicate(.releaseRequested)]
            case .sta7:
                self.state = self.role == .requestor ? .sta9 : .sta10  // AR-8
                return [.indicate(.releaseRequested)]
            default:
                return self.unexpected(state)
            }

        case .releaseResponse:
            switch state {
            case .sta7, .sta11:
                self.state = .sta1  // AR-3
                return [.indicate(.releaseConfirmed), .closeTransport]
            case .sta10:
                self.state = .sta12  // AR-10
                return [.indicate(.releaseConfirmed)]
            default:
                return self.unexpected(state)
            }
        }
    }

    /// An association-control PDU that is not valid in `state`.
    private mutating func unexpected(_ state: State) -> [Action] {
        switch state {
        case .sta2:
            self.state = .sta13  // AA-1
            return [.send(.abort(.byProvider(.unexpectedPDU))), .startARTIM]
        case .sta13:
            return []  // AA-6: ignore
        default:
            return self.providerAbort(.unexpectedPDU)  // AA-8
        }
    }
}
