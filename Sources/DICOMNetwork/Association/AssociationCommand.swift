/// What the async side of an association asks the channel handler to do.
///
/// Each command becomes a local primitive fed to the `AssociationStateMachine`; a command
/// that is not valid in the current state fails its write with `AssociationError`.
public enum AssociationCommand: Sendable, Hashable {
    /// A-ASSOCIATE response (accept).
    case accept(AssociateAccept)
    /// A-ASSOCIATE response (reject).
    case reject(AssociateReject)
    /// P-DATA request: one P-DATA-TF PDU carrying these values.
    case data([PresentationDataValue])
    /// A-RELEASE request.
    case releaseRequest
    /// A-RELEASE response.
    case releaseResponse
    /// A-ABORT request (service-user source).
    case abort
}
