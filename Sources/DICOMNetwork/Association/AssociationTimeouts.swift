public import NIOCore

/// Timers that bound an association; all run on the channel's event loop.
public struct AssociationTimeouts: Sendable, Hashable {
    /// ARTIM: from accept until the whole A-ASSOCIATE-RQ arrived, and from sending RJ,
    /// RELEASE-RP or A-ABORT until the peer closes. Partial bytes do not restart it.
    public var artim: TimeAmount
    /// ACSE: waiting for A-ASSOCIATE-AC/RJ or A-RELEASE-RP.
    public var acse: TimeAmount
    /// DIMSE (requestor): waiting for the peer's next PDU, e.g. a response.
    public var dimse: TimeAmount
    /// Idle (acceptor): no PDU from the peer while it owes us one.
    public var idle: TimeAmount

    /// Creates timeouts; the defaults follow DCMTK and pynetdicom (30 s ACSE/ARTIM, 60 s otherwise).
    public init(
        artim: TimeAmount = .seconds(30),
        acse: TimeAmount = .seconds(30),
        dimse: TimeAmount = .seconds(60),
        idle: TimeAmount = .seconds(60)
    ) {
        self.artim = artim
        self.acse = acse
        self.dimse = dimse
        self.idle = idle
    }
}
