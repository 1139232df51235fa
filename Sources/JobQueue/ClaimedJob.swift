public import Foundation

/// A job a worker holds: its row as claimed, with the lease to report back with.
public struct ClaimedJob: Sendable, Hashable {
    /// The attempt's lease.
    public var lease: JobLease
    /// The job's id (same as `lease.jobID`).
    public var id: Int64 { lease.jobID }
    /// The queue it was claimed from.
    public var queue: String
    /// Its lane.
    public var lane: String
    /// Its kind.
    public var kind: String
    /// Its group key, if any.
    public var groupKey: String?
    /// Its dedupe key, if any.
    public var dedupeKey: String?
    /// JSON text.
    public var payload: String
    /// Its priority (lower first).
    public var priority: Int16
    /// This attempt's number, from 1. Snoozes give theirs back; rescues do not.
    public var attempt: Int32
    /// When it was enqueued (database clock).
    public var enqueuedAt: Date
    /// When this attempt's deadline passes unless extended (database clock).
    public var leaseExpiresAt: Date
    /// The last error of an earlier attempt, if any.
    public var lastError: String?
    /// The sort key of the claim, exact to the microsecond, for claim hints.
    var sortKey: ClaimHints.Key
}
