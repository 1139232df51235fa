/// The capacity and retry policy of a lane (one row of `job_lanes`).
public struct LanePolicy: Sendable, Hashable {
    /// At most this many jobs of the lane run at once over all workers; nil: no limit.
    public var maxRunning: Int32?
    /// Attempts before a transiently failing job is discarded.
    public var maxAttempts: Int32
    /// The first retry's wait; each further retry doubles it.
    public var backoffBase: Duration
    /// The longest wait between retries.
    public var backoffMax: Duration
    /// Up to this fraction of each wait is taken off at random, spreading retries.
    public var backoffJitter: Double
    /// How long an outage failure pauses the lane.
    public var outagePause: Duration

    /// A policy; the defaults match the table's.
    public init(
        maxRunning: Int32? = nil,
        maxAttempts: Int32 = 10,
        backoffBase: Duration = .seconds(10),
        backoffMax: Duration = .seconds(3600),
        backoffJitter: Double = 0.2,
        outagePause: Duration = .seconds(30)
    ) {
        self.maxRunning = maxRunning
        self.maxAttempts = maxAttempts
        self.backoffBase = backoffBase
        self.backoffMax = backoffMax
        self.backoffJitter = backoffJitter
        self.outagePause = outagePause
    }
}

extension Duration {
    /// Whole milliseconds, rounded down, for SQL parameters.
    var milliseconds: Int64 {
        let c = components
        return c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
    }

    /// Seconds as a Double, for SQL parameters.
    var secondsDouble: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
