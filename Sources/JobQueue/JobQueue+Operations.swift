import PostgresClient

extension JobQueue {
    /// Cancels live jobs, queued or running; they move to history as cancelled. A running
    /// attempt's later report is rejected as stale (``extend(_:by:)`` tells its worker).
    /// The caller audits who did it.
    /// - Returns: the ids cancelled (others were not live).
    /// - Throws: `PostgresError`.
    @discardableResult
    public func cancel(_ ids: [Int64], reason: String? = nil) async throws -> [Int64] {
        let rows = try await pool.query("SELECT dicom_gw.job_cancel($1, $2) AS ids", [ids, reason])
        return try rows.first?.decode([Int64].self, column: "ids") ?? []
    }

    /// Puts dead-lettered (discarded) or cancelled jobs back to work with fresh attempts,
    /// keeping their ids. The caller audits who did it.
    /// - Returns: the ids requeued (a job live again, or never finished, is skipped).
    /// - Throws: `PostgresError`.
    @discardableResult
    public func retry(_ ids: [Int64]) async throws -> [Int64] {
        let rows = try await pool.query("SELECT dicom_gw.job_retry($1) AS ids", [ids])
        return try rows.first?.decode([Int64].self, column: "ids") ?? []
    }

    /// Pauses a lane for `duration` (nil: until resumed). Running jobs finish.
    /// - Throws: `PostgresError`.
    public func pauseLane(_ lane: String, for duration: Duration? = nil, reason: String? = nil) async throws {
        try await pool.execute(
            "SELECT dicom_gw.job_lane_pause($1, CASE WHEN $2::float8 IS NULL THEN 'infinity'::timestamptz "
                + "ELSE now() + make_interval(secs => $2::float8) END, $3)",
            [lane, duration?.secondsDouble, reason])
    }

    /// Resumes a paused lane.
    /// - Throws: `PostgresError`.
    public func resumeLane(_ lane: String) async throws {
        try await pool.execute("SELECT dicom_gw.job_lane_resume($1)", [lane])
    }

    /// Pauses a whole queue for `duration` (nil: until resumed).
    /// - Throws: `PostgresError`.
    public func pauseQueue(_ queue: String, for duration: Duration? = nil, reason: String? = nil) async throws {
        try await pool.execute(
            "SELECT dicom_gw.job_queue_pause($1, CASE WHEN $2::float8 IS NULL THEN 'infinity'::timestamptz "
                + "ELSE now() + make_interval(secs => $2::float8) END, $3)",
            [queue, duration?.secondsDouble, reason])
    }

    /// Resumes a paused queue.
    /// - Throws: `PostgresError`.
    public func resumeQueue(_ queue: String) async throws {
        try await pool.execute("SELECT dicom_gw.job_queue_resume($1)", [queue])
    }

    /// Creates or updates a lane's policy (the forwarder: one lane per destination).
    /// - Throws: `PostgresError`.
    public func configureLane(_ lane: String, _ policy: LanePolicy) async throws {
        try await pool.execute("""
            INSERT INTO dicom_gw.job_lanes AS l
                (lane, max_running, max_attempts, backoff_base, backoff_max, backoff_jitter, outage_pause)
            VALUES ($1, $2, $3, make_interval(secs => $4), make_interval(secs => $5), $6,
                    make_interval(secs => $7))
            ON CONFLICT (lane) DO UPDATE SET
                max_running = excluded.max_running, max_attempts = excluded.max_attempts,
                backoff_base = excluded.backoff_base, backoff_max = excluded.backoff_max,
                backoff_jitter = excluded.backoff_jitter, outage_pause = excluded.outage_pause,
                updated_at = now()
            """,
            [lane, policy.maxRunning, policy.maxAttempts, policy.backoffBase.secondsDouble,
             policy.backoffMax.secondsDouble, policy.backoffJitter, policy.outagePause.secondsDouble])
    }

    // MARK: Workers and rescue

    /// Registers a worker process (its heartbeat row).
    /// - Returns: the worker id to claim with.
    /// - Throws: `PostgresError`.
    public func registerWorker(name: String, host: String, pid: Int32, queues: [String]) async throws -> Int64 {
        let rows = try await pool.query(
            "SELECT dicom_gw.job_worker_register($1, $2, $3, $4) AS id", [name, host, pid, queues])
        guard let id = try rows.first?.decode(Int64.self, column: "id") else {
            throw JobQueueError(code: .unexpectedResult, message: "job_worker_register returned no row")
        }
        return id
    }

    static let heartbeatSQL = PreparedStatement("SELECT dicom_gw.job_worker_heartbeat($1) AS alive")

    /// Refreshes a worker's heartbeat.
    /// - Returns: false when its row is gone (presumed dead and removed): register again.
    /// - Throws: `PostgresError`.
    public func heartbeat(worker: Int64) async throws -> Bool {
        let rows = try await pool.query(Self.heartbeatSQL, [worker])
        return try rows.first?.decode(Bool.self, column: "alive") ?? false
    }

    /// Removes a worker's row (graceful stop). Jobs it still held are rescued at once.
    /// - Throws: `PostgresError`.
    public func deregisterWorker(_ worker: Int64) async throws {
        try await pool.execute("SELECT dicom_gw.job_worker_deregister($1)", [worker])
    }

    /// One job the rescuer returned to the queue or discarded.
    public struct RescuedJob: Sendable, Hashable {
        /// The job.
        public var id: Int64
        /// Its lane.
        public var lane: String
        /// True when its attempts were spent and it was discarded instead.
        public var discarded: Bool
    }

    static let rescueSQL = PreparedStatement("SELECT id, lane, outcome FROM dicom_gw.job_rescue($1)")

    /// Returns running jobs whose worker is silent for `silence` (or gone), or whose deadline
    /// passed, to the queue; promotes due scheduled jobs. Safe from every process at once.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func rescue(silence: Duration) async throws -> [RescuedJob] {
        let rows = try await pool.query(Self.rescueSQL, [silence.secondsDouble])
        return try rows.map { row in
            RescuedJob(
                id: try row.decode(Int64.self, column: "id"),
                lane: try row.decode(String.self, column: "lane"),
                discarded: try row.decode(String.self, column: "outcome") == "discarded")
        }
    }

    // MARK: History partitions

    /// Creates the missing daily history partitions from today (UTC) to `daysAhead` days on,
    /// without blocking writers.
    /// - Returns: the partitions created.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func createHistoryPartitions(daysAhead: Int = 7) async throws -> [String] {
        let rows = try await pool.query(
            "SELECT p FROM dicom_gw.job_history_create_partitions($1) AS p", [Int32(clamping: daysAhead)])
        return try rows.map { try $0.decode(String.self, column: "p") }
    }

    /// Drops the daily history partitions older than `keepDays` whole days (UTC).
    /// - Returns: the partitions dropped.
    /// - Throws: `PostgresError` (``PostgresError/Code/lockNotAvailable`` when a busy moment
    ///   made it give up; try again later).
    @discardableResult
    public func dropHistoryPartitions(keepDays: Int) async throws -> [String] {
        let rows = try await pool.query(
            "SELECT p FROM dicom_gw.job_history_drop_partitions($1) AS p", [Int32(clamping: keepDays)])
        return try rows.map { try $0.decode(String.self, column: "p") }
    }
}
