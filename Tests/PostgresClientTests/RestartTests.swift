import Foundation
import PostgresClient
import TestSupport
import Testing

/// These tests stop and start a private cluster of their own (``TestCluster``), so suites
/// running in parallel on the shared test server are not disturbed.
@Suite("Server restart", .requiresDatabase, .enabled(if: TestCluster.binDirectory != nil, "PostgreSQL server binaries not installed"))
struct RestartTests {
    private func withCluster(_ body: (TestCluster) async throws -> Void) async throws {
        let cluster = try await TestCluster.start()
        do {
            try await body(cluster)
        } catch {
            await cluster.destroy()
            throw error
        }
        await cluster.destroy()
    }

    @Test func poolWorksAgainAfterRestartWithoutANewPool() async throws {
        try await withCluster { cluster in
            let pool = PostgresPool(
                configuration: .init(url: cluster.url, maxConnections: 4, connectTimeout: .seconds(2), acquireTimeout: .seconds(2)),
                logger: TestDatabase.logger)
            // Open all four connections.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { try await pool.query("SELECT pg_sleep(0.1)") } }
                try await group.waitForAll()
            }
            let before = try await pool.query("SELECT pg_postmaster_start_time()")[0].decode(Date.self, at: 0)

            try await cluster.restart()

            // Every stale idle connection is noticed at checkout and reopened: no failure at all.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<12 {
                    group.addTask { () async throws in
                        #expect(try await pool.query("SELECT $1::int8", [Int64(i)])[0].decode(Int64.self, at: 0) == Int64(i))
                    }
                }
                try await group.waitForAll()
            }
            let after = try await pool.query("SELECT pg_postmaster_start_time()")[0].decode(Date.self, at: 0)
            #expect(after > before)

            // A statement in flight when the server goes away fails as a connection error …
            let inFlight = Task { try await pool.query("SELECT pg_sleep(5)") }
            try await Task.sleep(for: .milliseconds(300))
            try await cluster.stop()
            do {
                _ = try await inFlight.value
                Issue.record("a query survived the server stopping")
            } catch let error as PostgresError {
                #expect(error.isConnectionError, "\(error)")
            }
            // … and while the server is down, callers get an answer fast, not a hang.
            let start = ContinuousClock.now
            do {
                try await pool.query("SELECT 1")
                Issue.record("a query succeeded with the server stopped")
            } catch let error as PostgresError {
                #expect(error.isConnectionError, "\(error)")
            }
            #expect(ContinuousClock.now - start < .seconds(2.5))

            try await cluster.startServer()
            #expect(try await pool.query("SELECT 42")[0].decode(Int.self, at: 0) == 42)
            await pool.shutdown()
        }
    }

    @Test func listenerReconnectsAndListensAgain() async throws {
        try await withCluster { cluster in
            let pool = PostgresPool(
                configuration: .init(url: cluster.url, maxConnections: 2), logger: TestDatabase.logger)
            let notes = try await pool.listen(channel: "jobs")
            var iterator = notes.makeAsyncIterator()
            try await pool.execute("SELECT pg_notify('jobs', 'before')")
            #expect(try await iterator.next()?.payload == "before")

            try await cluster.restart()

            // The listener says it reconnected (notifications may have been missed) …
            let marker = try await iterator.next()
            #expect(marker?.afterReconnect == true)
            #expect(marker?.channel == "jobs")
            // … and LISTENs again: a new notification arrives.
            try await pool.execute("SELECT pg_notify('jobs', 'after')")
            let next = try await iterator.next()
            #expect(next?.payload == "after")
            #expect(next?.afterReconnect == false)
            await pool.shutdown()
            // Shutdown ends the sequence.
            #expect(try await iterator.next() == nil)
        }
    }
}
