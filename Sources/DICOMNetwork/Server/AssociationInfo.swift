/// What the acceptor knows about an established association, for handlers and logs.
public struct AssociationInfo: Sendable, Hashable {
    /// A process-unique identifier of this association.
    public var id: UInt64
    /// The peer's (calling) AE title.
    public var callingAETitle: String
    /// Our (called) AE title as the peer addressed it.
    public var calledAETitle: String
    /// The peer's IP address, if known.
    public var peerAddress: String?
    /// Whether the connection is protected by TLS.
    public var isTLS: Bool
    /// The peer's implementation class UID.
    public var implementationClassUID: String?
    /// The peer's implementation version name.
    public var implementationVersionName: String?

    /// Creates association information.
    public init(
        id: UInt64, callingAETitle: String, calledAETitle: String, peerAddress: String?, isTLS: Bool,
        implementationClassUID: String? = nil, implementationVersionName: String? = nil
    ) {
        self.id = id
        self.callingAETitle = callingAETitle
        self.calledAETitle = calledAETitle
        self.peerAddress = peerAddress
        self.isTLS = isTLS
        self.implementationClassUID = implementationClassUID
        self.implementationVersionName = implementationVersionName
    }
}
