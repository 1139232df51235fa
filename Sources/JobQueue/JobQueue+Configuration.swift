extension JobQueue {
    /// Settings shared by every user of the queue in a process.
    public struct Configuration: Sendable {
        /// The channel enqueues notify and workers listen on. The payload is the queue name.
        public var notifyChannel: String
        /// At most one notification per queue per this interval from this process; jobs
        /// enqueued meanwhile are announced by one trailing notification at its end. The
        /// window bounds the wake-up delay of an idle worker: 10 ms keeps commit → claim p99
        /// near 10 ms while capping notifying commits at 100/s per queue and process (the
        /// design note's ~100 ms measured p99 ≈ 85 ms here).
        public var notifyDebounce: Duration

        /// A configuration with defaults.
        public init(notifyChannel: String = "dicom_gw_jobs", notifyDebounce: Duration = .milliseconds(10)) {
            self.notifyChannel = notifyChannel
            self.notifyDebounce = notifyDebounce
        }
    }
}
