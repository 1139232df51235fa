/// A notification received on a LISTEN channel.
public struct PostgresNotification: Sendable, Hashable {
    /// The channel it was sent on.
    public var channel: String
    /// The payload (empty when none was given).
    public var payload: String
    /// The process ID of the sending server backend (0 for a synthesised event).
    public var backendPID: Int32
    /// True for an event the listener synthesises after it reconnected: notifications sent
    /// while it was disconnected are lost, so the consumer should re-check its state.
    public var afterReconnect: Bool

    /// A notification.
    public init(channel: String, payload: String, backendPID: Int32, afterReconnect: Bool = false) {
        self.channel = channel
        self.payload = payload
        self.backendPID = backendPID
        self.afterReconnect = afterReconnect
    }
}
