extension PostgresPool {
    /// How the pool connects and how long callers may wait.
    public struct Configuration: Sendable {
        /// A `postgresql://` URL or a libpq `key=value` conninfo string.
        public var url: String
        /// The most connections open at once (at least 1).
        public var maxConnections: Int
        /// How long opening one connection may take (libpq rounds up to whole seconds).
        public var connectTimeout: Duration
        /// How long ``PostgresPool/withConnection(isolation:_:)`` waits for a free connection
        /// before failing with ``PostgresError/Code/poolTimeout``.
        public var acquireTimeout: Duration
        /// Reported in `pg_stat_activity` unless the URL sets `application_name`.
        public var applicationName: String?

        /// A configuration; every setting but the URL has a default.
        public init(
            url: String,
            maxConnections: Int = 4,
            connectTimeout: Duration = .seconds(2),
            acquireTimeout: Duration = .seconds(10),
            applicationName: String? = "dicom-gw"
        ) {
            self.url = url
            self.maxConnections = max(1, maxConnections)
            self.connectTimeout = connectTimeout
            self.acquireTimeout = acquireTimeout
            self.applicationName = applicationName
        }
    }
}
