extension PostgresPool {
    /// Counters of a pool at one moment (``PostgresPool/statistics()``).
    public struct Statistics: Sendable, Hashable {
        /// Connections open or being opened.
        public var open: Int
        /// Open connections nobody holds.
        public var idle: Int
        /// Callers waiting for a connection now.
        public var waiting: Int
        /// Times since the pool was made that a caller found no connection free and had to wait.
        public var waits: UInt64

        /// Connections held by callers.
        public var inUse: Int { max(0, open - idle) }

        /// A snapshot.
        public init(open: Int, idle: Int, waiting: Int, waits: UInt64) {
            self.open = open
            self.idle = idle
            self.waiting = waiting
            self.waits = waits
        }
    }
}
