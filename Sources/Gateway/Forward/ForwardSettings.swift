/// How forward workers behave in one process (`forward.*` in the configuration).
public struct ForwardSettings: Sendable, Equatable {
    /// Our AE title towards destinations that do not name their own calling AE title.
    public var callingAETitle = "DICOM_GW"
    /// Most jobs per claim; a destination's `max_objects_per_association` may lower it.
    public var batchSize = 100
    /// When objects trickle in, how long a claim loop lets their jobs gather before its next
    /// claim after a batch smaller than ``batchSize`` (`forward.batch_linger`): fewer
    /// associations, each carrying more objects, for at most this much more latency. The first
    /// object after an idle spell and a backlog are claimed at once.
    public var batchLinger: Duration = .milliseconds(50)
    /// The largest ``batchLinger`` accepted.
    public static let maxBatchLinger: Duration = .seconds(5)
    /// Each attempt's deadline (extended while objects are moving).
    public var leaseDuration: Duration = .seconds(120)
    /// Idle claim loops poll this often (wake-ups arrive by NOTIFY meanwhile).
    public var pollInterval: Duration = .seconds(1)
    /// A worker process unheard for this long is presumed dead; its jobs are rescued.
    public var rescueSilence: Duration = .seconds(15)
    /// Time between rescue passes.
    public var rescueInterval: Duration = .seconds(5)
    /// TCP connect timeout towards destinations.
    public var connectTimeout: Duration = .seconds(10)
    /// ACSE and DIMSE timeout towards destinations.
    public var networkTimeout: Duration = .seconds(30)
    /// A claim that finds every association slot of its destination taken waits this long.
    public var slotWait: Duration = .milliseconds(100)
    /// Whole UTC days of finished-job history kept besides today (`forward.job_history_days`);
    /// older daily partitions are dropped by the rescuer. nil keeps everything (`forever`).
    public var jobHistoryDays: Int? = ForwardSettings.defaultJobHistoryDays

    /// The default of ``jobHistoryDays``: the retention of failed forwarding in the storage
    /// specification, so a dead letter's history lasts as long as its object in `failed/`.
    public static let defaultJobHistoryDays = 90
    /// The largest ``jobHistoryDays`` accepted (about a century; `forever` is the way to keep all).
    public static let maxJobHistoryDays = 36_500
    /// The word of `forward.job_history_days` that keeps the whole history.
    public static let keepAllJobHistory = "forever"

    /// Defaults.
    public init() {}
}
