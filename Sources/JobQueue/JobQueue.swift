import Foundation
public import Logging
public import PostgresClient

/// The job queue in schema `dicom_gw` (migration 0002): enqueue, claim, report, operate.
///
/// Every operation is one call of a SQL function, so one round trip. Claims and reports run
/// in autocommit on the pool; ``enqueue(_:into:on:)`` runs on the caller's connection, inside
/// the caller's transaction, so jobs commit or vanish with the rows that caused them.
///
/// Generic: it knows nothing of what jobs do. See `../shared/design/job-queue.md`.
public struct JobQueue: Sendable {
    /// The pool claims, reports and operator actions run on.
    public let pool: PostgresPool
    /// Process-wide settings.
    public let configuration: Configuration
    let logger: Logger
    private let notifier: EnqueueNotifier

    /// A queue client; opens nothing.
    public init(pool: PostgresPool, configuration: Configuration = .init(), logger: Logger) {
        self.pool = pool
        self.configuration = configuration
        self.logger = logger
        self.notifier = EnqueueNotifier(window: configuration.notifyDebounce)
    }

    // MARK: Enqueue

    static let enqueueSQL = PreparedStatement(
        "SELECT ordinal, id FROM dicom_gw.job_enqueue($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")

    /// Enqueues `jobs` into `queue` in one statement on `connection`, inside whatever
    /// transaction the caller has open there (commit is the caller's).
    ///
    /// A job whose dedupe key is already live is skipped. A notification wakes workers at
    /// commit when a job is runnable now (debounced per process, see
    /// ``Configuration/notifyDebounce``).
    /// - Returns: the ids of the jobs enqueued, `nil` where a job was skipped as a duplicate,
    ///   in the order of `jobs`.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func enqueue(_ jobs: [NewJob], into queue: String, on connection: PostgresConnection) async throws -> [Int64?] {
        if jobs.isEmpty { return [] }
        let runnableNow = jobs.contains { $0.delay <= .zero }
        var notifyChannel: String?
        if runnableNow {
            switch notifier.decide(queue: queue) {
            case .notifyNow: notifyChannel = configuration.notifyChannel
            case .scheduleTrailing(let delay): scheduleTrailingNotify(queue: queue, after: delay)
            case .nothing: break
            }
        }
        let rows = try await connection.query(Self.enqueueSQL, [
            queue,
            jobs.map(\.kind),
            jobs.map(\.lane),
            jobs.map(\.payload),
            jobs.map { $0.groupKey ?? "" },
            jobs.map { $0.dedupeKey ?? "" },
            jobs.map { Int32($0.priority) },
            jobs.map { max(0, $0.delay.milliseconds) },
            jobs.map { $0.maxAttempts ?? 0 },
            notifyChannel,
        ])
        var ids = [Int64?](repeating: nil, count: jobs.count)
        for row in rows {
            let ordinal = try row.decode(Int64.self, column: "ordinal")
            guard ordinal >= 1, ordinal <= Int64(jobs.count) else {
                throw JobQueueError(code: .unexpectedResult, message: "job_enqueue returned ordinal \(ordinal)")
            }
            ids[Int(ordinal - 1)] = try row.decode(Int64.self, column: "id")
        }
        return ids
    }

    /// Enqueues `jobs` in a transaction of its own on the pool.
    /// - Returns: as ``enqueue(_:into:on:)``.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func enqueue(_ jobs: [NewJob], into queue: String) async throws -> [Int64?] {
        try await pool.withConnection { try await enqueue(jobs, into: queue, on: $0) }
    }

    private func scheduleTrailingNotify(queue: String, after delay: Duration) {
        let pool = self.pool
        let channel = configuration.notifyChannel
        let notifier = self.notifier
        let logger = self.logger
        Task {
            try? await Task.sleep(for: delay)
            notifier.trailingSent(queue: queue)
            do {
                try await pool.execute("SELECT pg_notify($1, $2)", [channel, queue])
            } catch {
                // A hint only: workers poll anyway.
                logger.debug("trailing job notification failed: \(error)")
            }
        }
    }

    // MARK: Claim and report

    static let claimSQL = PreparedStatement("""
        SELECT id, lease_id, queue, lane, kind, group_key, dedupe_key, payload::text AS payload,
               priority, attempt, enqueued_at, lease_expires_at, last_error,
               to_char(run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS run_at_key
        FROM dicom_gw.job_claim($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        """)

    /// Claims up to `limit` jobs of `queue` for `worker`: all of one lane and one group.
    ///
    /// Honours each lane's running limit across all workers. Each job gets its own lease and
    /// a deadline `lease` from now; extend it while making progress.
    /// - Parameters:
    ///   - lanes: only these lanes; nil for all.
    ///   - hints: where this claimer last claimed per lane (see ``ClaimHints``); nil or
    ///     empty for a full sweep.
    /// - Throws: `PostgresError`.
    public func claim(
        queue: String, worker: Int64, limit: Int, lease: Duration, lanes: [String]? = nil
    ) async throws -> [ClaimedJob] {
        try await claim(queue: queue, worker: worker, limit: limit, lease: lease, lanes: lanes, hints: nil)
    }

    /// A claim with hints (see `job_claim` in migration 0007): `lookback` > 0 makes it a
    /// sweep that starts that long before each hint; `promoteWindow` bounds the promotion
    /// of due scheduled jobs (nil: all of them).
    func claim(
        queue: String, worker: Int64, limit: Int, lease: Duration, lanes: [String]?, hints: ClaimHints?,
        lookback: Duration = .zero, promoteWindow: Duration? = nil
    ) async throws -> [ClaimedJob] {
        try await pool.withConnection { connection in
            try await claim(
                queue: queue, worker: worker, limit: limit, lease: lease, lanes: lanes, hints: hints,
                lookback: lookback, promoteWindow: promoteWindow, on: connection)
        }
    }

    /// A claim on `connection` (autocommit: no transaction may be open there), so a worker can
    /// report its last batch and claim the next on one checkout (see `JobWorker`).
    func claim(
        queue: String, worker: Int64, limit: Int, lease: Duration, lanes: [String]?, hints: ClaimHints?,
        lookback: Duration, promoteWindow: Duration?, on connection: PostgresConnection
    ) async throws -> [ClaimedJob] {
        let h = (hints?.isEmpty ?? true) ? nil : hints?.arrays
        let rows = try await connection.query(Self.claimSQL, [
            queue, worker, Int32(clamping: limit), lease.secondsDouble, lanes,
            h?.lanes, h?.priorities, h?.runAts, h?.ids, lookback.secondsDouble, promoteWindow?.secondsDouble,
        ])
        return try rows.map { row in
            let priority = try row.decode(Int16.self, column: "priority")
            let id = try row.decode(Int64.self, column: "id")
            return ClaimedJob(
                lease: JobLease(jobID: id, leaseID: try row.decode(Int64.self, column: "lease_id")),
                queue: try row.decode(String.self, column: "queue"),
                lane: try row.decode(String.self, column: "lane"),
                kind: try row.decode(String.self, column: "kind"),
                groupKey: try row.decode(String?.self, column: "group_key"),
                dedupeKey: try row.decode(String?.self, column: "dedupe_key"),
                payload: try row.decode(String.self, column: "payload"),
                priority: priority,
                attempt: try row.decode(Int32.self, column: "attempt"),
                enqueuedAt: try row.decode(Date.self, column: "enqueued_at"),
                leaseExpiresAt: try row.decode(Date.self, column: "lease_expires_at"),
                lastError: try row.decode(String?.self, column: "last_error"),
                sortKey: .init(priority: priority, runAt: try row.decode(String.self, column: "run_at_key"), id: id))
        }
    }

    static let completeSQL = PreparedStatement("SELECT dicom_gw.job_complete($1, $2) AS rejected")

    /// Completes attempts: the jobs move to history.
    /// - Returns: the leases rejected because they were superseded (rescued, cancelled,
    ///   finished); their results must be discarded. Counted as stale completions.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func complete(_ leases: [JobLease]) async throws -> [JobLease] {
        if leases.isEmpty { return [] }
        return try await pool.withConnection { try await complete(leases, on: $0) }
    }

    /// ``complete(_:)`` on `connection`, in autocommit there.
    func complete(_ leases: [JobLease], on connection: PostgresConnection) async throws -> [JobLease] {
        if leases.isEmpty { return [] }
        let rows = try await connection.query(Self.completeSQL, [leases.map(\.jobID), leases.map(\.leaseID)])
        let rejected = Set(try rows.first?.decode([Int64].self, column: "rejected") ?? [])
        return leases.filter { rejected.contains($0.jobID) }
    }

    static let failSQL = PreparedStatement("SELECT dicom_gw.job_fail($1, $2, $3, $4, $5) AS outcome")

    /// Records a failed attempt; see ``JobFailureKind`` for what each kind does.
    /// - Parameters:
    ///   - retryIn: overrides the lane's backoff (transient) or outage pause (outage).
    /// - Returns: what became of the job; ``JobFailOutcome/stale`` when the lease was superseded.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func fail(
        _ lease: JobLease, kind: JobFailureKind, message: String, retryIn: Duration? = nil
    ) async throws -> JobFailOutcome {
        let rows = try await pool.query(Self.failSQL, [
            lease.jobID, lease.leaseID, kind.rawValue, message, retryIn?.secondsDouble,
        ])
        guard let outcome = try rows.first?.decode(String.self, column: "outcome") else {
            throw JobQueueError(code: .unexpectedResult, message: "job_fail returned no row")
        }
        return JobFailOutcome(outcome)
    }

    /// Puts a running job back to wait `delay` without spending its attempt.
    /// - Returns: false when the lease was superseded.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func snooze(_ lease: JobLease, for delay: Duration, reason: String? = nil) async throws -> Bool {
        let rows = try await pool.query(
            "SELECT dicom_gw.job_snooze($1, $2, $3, $4) AS ok",
            [lease.jobID, lease.leaseID, delay.secondsDouble, reason])
        return try rows.first?.decode(Bool.self, column: "ok") ?? false
    }

    static let extendSQL = PreparedStatement("SELECT dicom_gw.job_extend($1, $2, $3) AS lost")

    /// Moves the deadline of attempts still held to `lease` from now (call it on progress).
    /// - Returns: the leases no longer held (rescued or cancelled): stop working on them.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func extend(_ leases: [JobLease], by lease: Duration) async throws -> [JobLease] {
        if leases.isEmpty { return [] }
        let rows = try await pool.query(Self.extendSQL, [leases.map(\.jobID), leases.map(\.leaseID), lease.secondsDouble])
        let lost = Set(try rows.first?.decode([Int64].self, column: "lost") ?? [])
        return leases.filter { lost.contains($0.jobID) }
    }
}
