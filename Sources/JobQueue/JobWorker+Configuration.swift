extension JobWorker {
    /// How a worker process claims and runs jobs.
    public struct Configuration: Sendable {
        /// The queue to work.
        public var queue: String
        /// Shown in `job_workers` and logs.
        public var name: String
        /// Claim loops, each running one batch at a time (each needs a pooled connection
        /// while it claims or reports).
        public var concurrency: Int
        /// Most jobs per claim (all of one lane and one group).
        public var batchSize: Int
        /// When jobs trickle in, how long a claim loop lets them gather before its next claim
        /// after a batch smaller than ``batchSize``. The first job after an idle spell is
        /// claimed at once (a single job is not delayed), and a loop whose last claim was full
        /// claims again at once (a backlog drains without it); in a steady trickle, jobs wait
        /// up to this long and come in fewer, fuller batches (each batch has fixed costs: for
        /// the forwarder an association and its bookkeeping statements). Zero: claim at once.
        public var batchLinger: Duration
        /// Each attempt's deadline; extend it on progress (``JobBatch/extendLeases()``).
        public var leaseDuration: Duration
        /// How often the worker's row is refreshed. Keep it well under the rescuer's silence.
        public var heartbeatInterval: Duration
        /// An idle worker looks anyway about this often (±50 % jitter) in case a notification
        /// was missed; one claim loop polls, the others wait to be woken.
        public var pollInterval: Duration
        /// Claims seek past their last position per lane (see ``ClaimHints``); this often,
        /// and whenever such a claim finds nothing, they sweep from ``hintLookback`` before it.
        public var hintSweepInterval: Duration
        /// How far behind its hint a sweep starts: jobs that became available behind a hint
        /// by less than this (a slow enqueuing transaction, a late promotion) wait at most
        /// ``hintSweepInterval``.
        public var hintLookback: Duration
        /// One claim loop per worker sweeps every lane from its head this often, promoting
        /// every due scheduled job: the catch-all for jobs further behind a hint than
        /// ``hintLookback`` (only an enqueuing transaction that took longer than that to
        /// commit leaves one there: promotion moves run_at to now). Under a long-held
        /// snapshot this walks every dead entry since, so keep it rare.
        public var fullSweepInterval: Duration
        /// Other claims promote only scheduled jobs that fell due within this window (the
        /// rescuer promotes all of them).
        public var promoteWindow: Duration
        /// Only these lanes; nil for all.
        public var lanes: [String]?
        /// Wake on `pg_notify` (one LISTEN connection per worker). Off: poll only.
        public var listen: Bool
        /// After a stop, how long reporting finished batches keeps retrying while the database
        /// is unreachable.
        public var reportTimeout: Duration

        /// A configuration; every setting but the queue has a default.
        public init(
            queue: String,
            name: String = "worker",
            concurrency: Int = 4,
            batchSize: Int = 10,
            batchLinger: Duration = .zero,
            leaseDuration: Duration = .seconds(60),
            heartbeatInterval: Duration = .seconds(3),
            pollInterval: Duration = .seconds(1),
            hintSweepInterval: Duration = .seconds(5),
            hintLookback: Duration = .seconds(10),
            fullSweepInterval: Duration = .seconds(300),
            promoteWindow: Duration = .seconds(60),
            lanes: [String]? = nil,
            listen: Bool = true,
            reportTimeout: Duration = .seconds(30)
        ) {
            self.queue = queue
            self.name = name
            self.concurrency = max(1, concurrency)
            self.batchSize = max(1, batchSize)
            self.batchLinger = max(.zero, batchLinger)
            self.leaseDuration = leaseDuration
            self.heartbeatInterval = heartbeatInterval
            self.pollInterval = pollInterval
            self.hintSweepInterval = hintSweepInterval
            self.hintLookback = hintLookback
            self.fullSweepInterval = fullSweepInterval
            self.promoteWindow = promoteWindow
            self.lanes = lanes
            self.listen = listen
            self.reportTimeout = reportTimeout
        }
    }
}
