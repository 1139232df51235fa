import Foundation
import JobQueue
import Logging
import PostgresClient
import TestSupport
import Testing

/// A fresh database with the migrations applied, a pool and a queue client, per test.
struct QueueFixture: Sendable {
    let database: TestDatabase
    let pool: PostgresPool
    let queue: JobQueue

    /// This repository's migrations (found from this file, so the test needs no cwd).
    static let migrations = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("migrations", isDirectory: true)

    static func with<T>(
        maxConnections: Int = 6,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (QueueFixture) async throws -> T
    ) async throws -> T {
        try await TestDatabase.withFresh(migrations: migrations) { database in
            try await database.withPool(maxConnections: maxConnections) { pool in
                let queue = JobQueue(pool: pool, logger: TestDatabase.logger)
                return try await body(QueueFixture(database: database, pool: pool, queue: queue))
            }
        }
    }

    /// A registered worker id for direct claims.
    func worker(_ name: String = "test") async throws -> Int64 {
        try await queue.registerWorker(name: name, host: "localhost", pid: 1, queues: [])
    }

    func scalar<T: PostgresDecodable>(_ type: T.Type, _ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> T {
        let rows = try await pool.query(sql, parameters)
        guard let row = rows.first else { throw TestDatabaseError("no row from: \(sql)") }
        return try row.decode(T.self, at: 0)
    }

    func count(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int64 {
        try await scalar(Int64.self, sql, parameters)
    }

    /// Makes every scheduled job due now (instead of waiting out a backoff).
    func makeScheduledDue() async throws {
        try await pool.execute("UPDATE dicom_gw.jobs SET run_at = now() - interval '1 ms' WHERE state = 'scheduled'")
    }

    /// Polls `condition` until it holds or `timeout` passes.
    func eventually(
        timeout: Duration, every: Duration = .milliseconds(50), _ condition: () async throws -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: every)
        }
        return try await condition()
    }
}

extension [NewJob] {
    static func noop(_ n: Int, lane: String = "lane:1", group: String? = nil) -> [NewJob] {
        (0..<n).map { _ in NewJob(kind: "noop", lane: lane, groupKey: group) }
    }
}
