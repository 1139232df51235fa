/// Decides an A-ASSOCIATE-RQ against an `AcceptancePolicy`: a pure function, tested as such.
public enum AssociationNegotiator {
    /// The outcome of negotiation.
    public enum Outcome: Sendable, Hashable {
        /// Accept with this A-ASSOCIATE-AC; at least one context is accepted.
        case accept(AssociateAccept)
        /// Reject with this A-ASSOCIATE-RJ; `reason` says why, for the log.
        case reject(AssociateReject, reason: String)
    }

    /// Negotiates `request` from `peerAddress`.
    public static func negotiate(
        _ request: AssociateRequest, policy: AcceptancePolicy, peerAddress: String?
    ) -> Outcome {
        guard request.applicationContextName == NetworkUID.dicomApplicationContext else {
            return .reject(.applicationContextNotSupported, reason: "application context \(request.applicationContextName)")
        }
        if policy.requireCalledAETitle && request.calledAETitle != policy.aeTitle {
            return .reject(.calledAETitleNotRecognized, reason: "called AE title '\(request.calledAETitle)'")
        }
        if let allowed = policy.allowedCallers {
            let permitted = allowed.contains { caller in
                caller.aeTitle == request.callingAETitle
                    && (caller.addresses.isEmpty || peerAddress.map(caller.addresses.contains) == true)
            }
            guard permitted else {
                return .reject(
                    .callingAETitleNotRecognized,
                    reason: "calling AE title '\(request.callingAETitle)' from \(peerAddress ?? "?") not allowed")
            }
        }

        var seenIDs = Set<UInt8>()
        var results: [PresentationContextResult] = []
        for proposal in request.presentationContexts {
            let result: PresentationContextResult
            if proposal.id % 2 == 0 || !seenIDs.insert(proposal.id).inserted {
                result = .init(id: proposal.id, result: .noReason, transferSyntax: "")
            } else if proposal.abstractSyntax != NetworkUID.verificationSOPClass
                && !policy.abstractSyntaxes.contains(proposal.abstractSyntax)
            {
                result = .init(id: proposal.id, result: .abstractSyntaxNotSupported, transferSyntax: "")
            } else if let syntax = policy.transferSyntaxPreference.first(where: proposal.transferSyntaxes.contains) {
                result = .init(id: proposal.id, result: .acceptance, transferSyntax: syntax)
            } else {
                result = .init(id: proposal.id, result: .transferSyntaxesNotSupported, transferSyntax: "")
            }
            results.append(result)
        }
        guard results.contains(where: { $0.result == .acceptance }) else {
            // Accepting an association on which nothing can be done only wastes the peer's time.
            return .reject(.noReasonGiven, reason: "no acceptable presentation context")
        }

        let proposed = request.userInformation
        let userInformation = UserInformation(
            maxLength: policy.maxPDULength,
            // We perform operations one at a time.
            asyncOperationsWindow: proposed.asyncOperationsWindow.map { _ in .init(invoked: 1, performed: 1) },
            // Only the SCU role (the peer sends to us) is supported.
            roleSelections: proposed.roleSelections.map { .init(sopClassUID: $0.sopClassUID, scuRole: $0.scuRole, scpRole: false) }
        )
        return .accept(
            AssociateAccept(
                calledAETitle: request.calledAETitle, callingAETitle: request.callingAETitle,
                presentationContexts: results, userInformation: userInformation))
    }
}
