import NIOCore

/// Pulls indications from an association's inbound stream one PDV at a time.
///
/// P-DATA-TF PDUs may carry several PDVs (the end of a command and the start of its data set);
/// this reader hands them out singly. It is shared by the message loop and the `DataSetStream`
/// of the message in progress, all on one task, so it is a plain class.
final class IndicationReader {
    enum Item {
        case value(PresentationDataValue)
        case releaseRequested
        case releaseConfirmed
        case accepted(AssociateAccept)
        case rejected(AssociateReject)
        case associateRequest(AssociateRequest)
        case ended(AssociationError)
    }

    private var iterator: NIOAsyncChannelInboundStream<AssociationStateMachine.Indication>.AsyncIterator
    private var pending: [PresentationDataValue] = []
    private var pendingIndex = 0
    private(set) var endError: AssociationError?

    init(_ inbound: NIOAsyncChannelInboundStream<AssociationStateMachine.Indication>) {
        self.iterator = inbound.makeAsyncIterator()
    }

    /// The next item; once the association ended it keeps returning `.ended`.
    func next() async -> Item {
        if self.pendingIndex < self.pending.count {
            let value = self.pending[self.pendingIndex]
            self.pendingIndex += 1
            return .value(value)
        }
        if let endError = self.endError { return .ended(endError) }
        let indication: AssociationStateMachine.Indication?
        do {
            indication = try await self.iterator.next()
        } catch {
            return self.end(AssociationError(code: .connectionLost, message: "\(error)"))
        }
        guard let indication else {
            return self.end(AssociationError(code: .connectionLost, message: "connection closed"))
        }
        switch indication {
        case .data(let values):
            self.pending = values
            self.pendingIndex = 1
            return .value(values[0])
        case .associateRequest(let rq): return .associateRequest(rq)
        case .associateAccepted(let ac): return .accepted(ac)
        case .associateRejected(let rj): return .rejected(rj)
        case .releaseRequested: return .releaseRequested
        case .releaseConfirmed: return .releaseConfirmed
        case .aborted(let abort):
            return self.end(AssociationError(
                code: .aborted, message: "A-ABORT source \(abort.source.rawValue) reason \(abort.reason.rawValue)"))
        case .providerAborted(let reason):
            return self.end(AssociationError(code: .providerAborted, message: "protocol error, reason \(reason.rawValue)"))
        case .connectionLost(let reason):
            if let reason, reason.hasPrefix("TLS") {
                return self.end(AssociationError(code: .tlsFailed, message: reason))
            }
            return self.end(AssociationError(code: .connectionLost, message: reason ?? "connection closed by peer"))
        case .timedOut:
            return self.end(AssociationError(code: .timedOut, message: "no PDU from the peer in time"))
        }
    }

    /// Marks the association as ended (e.g. after a DIMSE protocol error).
    @discardableResult
    func end(_ error: AssociationError) -> Item {
        if self.endError == nil { self.endError = error }
        self.pending = []
        self.pendingIndex = 0
        return .ended(self.endError ?? error)
    }
}
