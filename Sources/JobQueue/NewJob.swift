/// A job to enqueue.
///
/// Only ``kind`` and ``lane`` are required. The queue knows nothing of what the payload means;
/// the worker that handles ``kind`` does.
public struct NewJob: Sendable, Hashable {
    /// What to do, e.g. `"forward"`; the handler dispatches on it.
    public var kind: String
    /// The capacity unit the job draws on, e.g. `"destination:42"`. Its row in `job_lanes`
    /// (created with defaults on first use) holds the running limit, pause and retry policy.
    public var lane: String
    /// JSON text handed to the handler; `"{}"` when empty.
    public var payload: String
    /// Jobs of one lane with the same group key are claimed together (one study for one
    /// association). Nil: batched with other jobs without a group.
    public var groupKey: String?
    /// Unique among live jobs: enqueueing a second job with a key already live skips it.
    public var dedupeKey: String?
    /// Lower runs first (default 0).
    public var priority: Int16
    /// Not claimed before this long after the enqueue (measured by the database clock).
    public var delay: Duration
    /// Attempts before the job is discarded; nil: the lane's `max_attempts`.
    public var maxAttempts: Int32?

    /// A job; every setting but kind and lane has a default.
    public init(
        kind: String,
        lane: String,
        payload: String = "{}",
        groupKey: String? = nil,
        dedupeKey: String? = nil,
        priority: Int16 = 0,
        delay: Duration = .zero,
        maxAttempts: Int32? = nil
    ) {
        self.kind = kind
        self.lane = lane
        self.payload = payload
        self.groupKey = groupKey
        self.dedupeKey = dedupeKey
        self.priority = priority
        self.delay = delay
        self.maxAttempts = maxAttempts
    }
}
