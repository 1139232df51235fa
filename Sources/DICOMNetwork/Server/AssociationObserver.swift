/// Told about every association a ``DICOMServer`` accepts, rejects and ends, for audit logs
/// and metrics.
///
/// The server calls these on the association's task: return quickly (hand slow work such as
/// a database insert to a task of your own) and never throw.
public protocol AssociationObserver: Sendable {
    /// An association was accepted; ``associationEnded(_:)`` follows when it is over.
    func associationAccepted(_ info: AssociationInfo)
    /// An association request was rejected (A-ASSOCIATE-RJ sent).
    func associationRejected(_ rejection: AssociationRejection)
    /// An accepted association ended (released, aborted or lost).
    func associationEnded(_ info: AssociationInfo)
}

/// A rejected association request.
public struct AssociationRejection: Sendable, Hashable {
    /// Why, as a short stable word for metrics: `capacity`, `called_ae`, `calling_ae`,
    /// `application_context`, `protocol_version`, `no_presentation_context`.
    public var category: String
    /// Why, in words for logs and audit (AE titles and the peer's address; no patient data).
    public var reason: String
    /// Whether the rejection is permanent (result 1) rather than transient (2).
    public var isPermanent: Bool
    /// The Calling AE Title of the request.
    public var callingAETitle: String
    /// The Called AE Title of the request.
    public var calledAETitle: String
    /// The peer's IP address, if known.
    public var peerAddress: String?
    /// Whether the connection was on the TLS listener.
    public var isTLS: Bool

    /// Creates a rejection record.
    public init(
        category: String, reason: String, isPermanent: Bool, callingAETitle: String, calledAETitle: String,
        peerAddress: String?, isTLS: Bool
    ) {
        self.category = category
        self.reason = reason
        self.isPermanent = isPermanent
        self.callingAETitle = callingAETitle
        self.calledAETitle = calledAETitle
        self.peerAddress = peerAddress
        self.isTLS = isTLS
    }

    /// The metrics category of an A-ASSOCIATE-RJ.
    static func category(of reject: AssociateReject) -> String {
        switch reject {
        case .localLimitExceeded, .temporaryCongestion: "capacity"
        case .calledAETitleNotRecognized: "called_ae"
        case .callingAETitleNotRecognized: "calling_ae"
        case .applicationContextNotSupported: "application_context"
        case .protocolVersionNotSupported: "protocol_version"
        default: "no_presentation_context"
        }
    }
}
