/// How an attempt failed, which decides what happens next.
public struct JobFailureKind: Sendable, Hashable, CustomStringConvertible {
    /// The SQL name passed to `job_fail`.
    public let rawValue: String

    private init(_ rawValue: String) { self.rawValue = rawValue }

    /// Worth retrying: the job waits the lane's backoff, and is discarded once its attempts
    /// are spent.
    public static let transient = JobFailureKind("transient")
    /// Retrying cannot help (bad data, a refusal that will not change): discarded at once.
    public static let permanent = JobFailureKind("permanent")
    /// The lane itself is down (connection refused, association rejected): the lane pauses
    /// for its `outage_pause` and the job waits for then, its attempt given back.
    public static let outage = JobFailureKind("outage")

    public var description: String { rawValue }
}

/// What `fail` did with the job.
public struct JobFailOutcome: Sendable, Hashable, CustomStringConvertible {
    /// The SQL name returned by `job_fail`.
    public let rawValue: String

    init(_ rawValue: String) { self.rawValue = rawValue }

    /// Scheduled for another attempt after a backoff.
    public static let retrying = JobFailOutcome("retrying")
    /// Moved to history as a dead letter.
    public static let discarded = JobFailOutcome("discarded")
    /// Put back without spending the attempt (outage).
    public static let snoozed = JobFailOutcome("snoozed")
    /// The lease was superseded: nothing was recorded.
    public static let stale = JobFailOutcome("stale")

    public var description: String { rawValue }
}
