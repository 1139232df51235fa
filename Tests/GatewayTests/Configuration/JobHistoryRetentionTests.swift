import Foundation
@testable import Gateway
import JobQueue
import PostgresClient
import Storage
import TestSupport
import Testing

/// `forward.job_history_days`: how it is read and validated, and that the forward service of
/// `serve` and `worker` drops the job history it no longer keeps.
@Suite("Job history retention")
struct JobHistoryRetentionTests {
    private static let key = "forward.job_history_days"
    private static let variable = "DICOM_GW_FORWARD_JOB_HISTORY_DAYS"

    private static func load(yaml: String, environment: [String: String] = [:]) async throws -> GatewayConfiguration {
        try await TemporaryYAML.load(yaml, environment: environment)
    }

    // MARK: Configuration

    @Test("90 days by default, and the rescuer of serve and worker gets them")
    func defaultRetention() async throws {
        let config = try await GatewayConfiguration.load(file: nil, environment: [:])
        #expect(config.forward.settings.jobHistoryDays == 90)
        #expect(ForwardService.rescuerConfiguration(config.forward.settings).keepHistoryDays == 90)
    }

    @Test("a number of days from the file, overridden by the environment")
    func days() async throws {
        let fromFile = try await Self.load(yaml: "forward:\n  job_history_days: 30\n")
        #expect(fromFile.forward.settings.jobHistoryDays == 30)
        #expect(ForwardService.rescuerConfiguration(fromFile.forward.settings).keepHistoryDays == 30)

        let fromEnvironment = try await Self.load(
            yaml: "forward:\n  job_history_days: 30\n", environment: [Self.variable: " 7 "])
        #expect(fromEnvironment.forward.settings.jobHistoryDays == 7)

        let least = try await GatewayConfiguration.load(file: nil, environment: [Self.variable: "1"])
        #expect(least.forward.settings.jobHistoryDays == 1)
    }

    @Test("'forever' keeps the whole history: the rescuer drops nothing", arguments: ["forever", "Forever", "FOREVER"])
    func forever(word: String) async throws {
        let fromFile = try await Self.load(yaml: "forward:\n  job_history_days: \(word)\n")
        #expect(fromFile.forward.settings.jobHistoryDays == nil)
        #expect(ForwardService.rescuerConfiguration(fromFile.forward.settings).keepHistoryDays == nil)

        let fromEnvironment = try await GatewayConfiguration.load(file: nil, environment: [Self.variable: word])
        #expect(fromEnvironment.forward.settings.jobHistoryDays == nil)
    }

    @Test("the environment's 'forever' wins over the file's number, and a number over the file's 'forever'")
    func foreverLayering() async throws {
        let keepAll = try await Self.load(yaml: "forward:\n  job_history_days: 30\n", environment: [Self.variable: "forever"])
        #expect(keepAll.forward.settings.jobHistoryDays == nil)
        let bounded = try await Self.load(yaml: "forward:\n  job_history_days: forever\n", environment: [Self.variable: "45"])
        #expect(bounded.forward.settings.jobHistoryDays == 45)
    }

    @Test(
        "a bad value is an error naming the key and the accepted values",
        arguments: ["0", "-3", "never", "1.5", "36501", "90 days"])
    func invalid(value: String) async throws {
        let fromEnvironment = await #expect(throws: ConfigurationError.self) {
            try await GatewayConfiguration.load(file: nil, environment: [Self.variable: value])
        }
        #expect(fromEnvironment?.key == Self.key)
        #expect(fromEnvironment?.description.contains("'forever'") == true, "\(String(describing: fromEnvironment))")

        let fromFile = await #expect(throws: ConfigurationError.self) {
            try await Self.load(yaml: "forward:\n  job_history_days: \(value)\n")
        }
        #expect(fromFile?.key == Self.key)
    }

    // MARK: The forward service against PostgreSQL

    @Test(
        "the forward service drops the partitions and default-partition rows older than the retention, and keeps the rest",
        .requiresDatabase, .timeLimit(.minutes(1)))
    func dropsOldHistory() async throws {
        // Days are kept or dropped with a day's margin, so a run across midnight UTC agrees.
        let config = try await Self.load(yaml: "forward:\n  job_history_days: 30\n  rescue_interval: 0.2\n")
        try await HistoryFixture.with { f in
            let kept = try await f.partition(daysAgo: 29)
            let old = try await f.partition(daysAgo: 31)
            let veryOld = try await f.partition(daysAgo: 200)
            try await f.finishedJob(id: 1, daysAgo: 29)
            try await f.finishedJob(id: 2, daysAgo: 31)
            try await f.finishedJob(id: 3, daysAgo: 200)
            // Days without a partition: these rows land in job_history_default.
            try await f.finishedJob(id: 4, daysAgo: 20)
            try await f.finishedJob(id: 5, daysAgo: 45)
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_history_default") == 2)

            try await f.runForwardService(config.forward.settings) {
                // One statement drops the partitions and cleans the default partition, so
                // once a drop is visible, the whole pass is.
                try await f.eventually {
                    let oldGone = try await !f.exists(old)
                    let veryOldGone = try await !f.exists(veryOld)
                    return oldGone && veryOldGone
                }
            }
            #expect(try await !f.exists(old))
            #expect(try await !f.exists(veryOld))
            #expect(try await f.exists(kept))
            #expect(try await f.historyIDs() == [1, 4])
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_history_default") == 1)
        }
    }

    @Test("with 'forever' the forward service keeps every day of history", .requiresDatabase, .timeLimit(.minutes(1)))
    func foreverKeepsHistory() async throws {
        let config = try await Self.load(yaml: "forward:\n  job_history_days: forever\n  rescue_interval: 0.2\n")
        try await HistoryFixture.with { f in
            let old = try await f.partition(daysAgo: 400)
            try await f.finishedJob(id: 1, daysAgo: 400)
            try await f.finishedJob(id: 2, daysAgo: 500)
            // Markers of the maintenance pass: a partition it recreates, then a rescue that
            // only a later pass can make.
            let ahead = try await f.dropPartition(daysAhead: 7)
            let dead = try await f.queue.registerWorker(name: "dead", host: "localhost", pid: 1, queues: [])
            try await f.queue.enqueue([NewJob(kind: "noop", lane: "lane:1")], into: "q")
            #expect(try await f.queue.claim(queue: "q", worker: dead, limit: 1, lease: .seconds(600)).count == 1)

            try await f.runForwardService(config.forward.settings) {
                try await f.eventually { try await f.exists(ahead) }
                // The partitions were created, so the first maintenance pass is under way;
                // the worker falls silent only now, so the rescue comes from a pass after it.
                try await f.pool.execute(
                    "UPDATE dicom_gw.job_workers SET heartbeat_at = now() - interval '1 hour' WHERE id = $1", [dead])
                try await f.eventually {
                    try await f.count("SELECT count(*) FROM dicom_gw.jobs WHERE rescue_count = 1") == 1
                }
            }
            #expect(try await f.exists(old))
            #expect(try await f.historyIDs() == [1, 2])
        }
    }
}

/// A fresh migrated database with helpers to lay out job history on past days.
private struct HistoryFixture: Sendable {
    let pool: PostgresPool
    let queue: JobQueue

    static func with(
        isolation: isolated (any Actor)? = #isolation, _ body: (HistoryFixture) async throws -> Void
    ) async throws {
        try await TestDatabase.withFresh(migrations: TestDatabase.repositoryMigrations) { database in
            try await database.withPool(maxConnections: 6) { pool in
                try await body(HistoryFixture(pool: pool, queue: JobQueue(pool: pool, logger: TestDatabase.logger)))
            }
        }
    }

    /// Creates the daily partition of the UTC day `daysAgo` before today, named as
    /// `job_history_create_partitions` names them; returns its name.
    func partition(daysAgo: Int) async throws -> String {
        let name = try await dayName(-daysAgo)
        // DDL takes no bind parameters; the name is built from a date, the bounds likewise.
        try await pool.execute("""
            DO $$
            DECLARE d date := (now() AT TIME ZONE 'UTC')::date - \(daysAgo);
            BEGIN
                EXECUTE format('CREATE TABLE dicom_gw.%I PARTITION OF dicom_gw.job_history FOR VALUES FROM (%L) TO (%L)',
                               '\(name)', d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
            END $$
            """)
        return name
    }

    /// Drops the (empty) partition `daysAhead` days after today; returns its name.
    func dropPartition(daysAhead: Int) async throws -> String {
        let name = try await dayName(daysAhead)
        #expect(try await exists(name), "the migrations create \(name)")
        try await pool.execute("DROP TABLE dicom_gw.\(name)")
        return name
    }

    /// `job_history_YYYYMMDD` of today (UTC) plus `offset` days.
    private func dayName(_ offset: Int) async throws -> String {
        let rows = try await pool.query(
            "SELECT 'job_history_' || to_char((now() AT TIME ZONE 'UTC')::date + $1::integer, 'YYYYMMDD') AS name",
            [Int32(offset)])
        guard let row = rows.first else { throw TestDatabaseError("no partition name") }
        return try row.decode(String.self, column: "name")
    }

    /// A completed job finished at noon UTC of the day `daysAgo` before today.
    func finishedJob(id: Int64, daysAgo: Int) async throws {
        try await pool.execute("""
            INSERT INTO dicom_gw.job_history (id, queue, lane, kind, payload, priority, outcome, attempt,
                snooze_count, rescue_count, enqueued_at, finished_at, errors)
            SELECT $1, 'forward', 'destination:1', 'forward', '{}', 100, 'completed', 1, 0, 0, t, t, '[]'
            FROM (SELECT ((now() AT TIME ZONE 'UTC')::date - $2::integer)::timestamp AT TIME ZONE 'UTC'
                         + interval '12 hours' AS t) AS day
            """, [id, Int32(daysAgo)])
    }

    func exists(_ table: String) async throws -> Bool {
        let rows = try await pool.query("SELECT to_regclass('dicom_gw.' || $1) IS NOT NULL AS present", [table])
        guard let row = rows.first else { throw TestDatabaseError("no row from to_regclass") }
        return try row.decode(Bool.self, column: "present")
    }

    func historyIDs() async throws -> [Int64] {
        try await pool.query("SELECT id FROM dicom_gw.job_history ORDER BY id").map { try $0.decode(Int64.self, column: "id") }
    }

    func count(_ sql: String) async throws -> Int64 {
        let rows = try await pool.query(sql)
        guard let row = rows.first else { throw TestDatabaseError("no row from: \(sql)") }
        return try row.decode(Int64.self, at: 0)
    }

    /// Polls `condition` until it holds; fails the test after a generous timeout.
    func eventually(_ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await condition(), "condition not met within 20 s")
    }

    /// Runs the forward service exactly as `serve` with `workers.count: 0` builds it (the
    /// rescuer and the archive sweep, no claim loops) while `body` runs.
    func runForwardService(_ settings: ForwardSettings, _ body: () async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dicom-gw-history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let service = ForwardService(
            pool: pool, layout: StorageLayout(root: root.path), settings: settings, workers: 0, name: "test",
            logger: TestDatabase.logger)
        let task = Task { try await service.run() }
        do {
            try await body()
        } catch {
            task.cancel()
            _ = await task.result
            throw error
        }
        task.cancel()
        _ = await task.result
    }
}
