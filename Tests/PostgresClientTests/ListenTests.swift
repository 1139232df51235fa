import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("LISTEN/NOTIFY", .requiresDatabase)
struct ListenTests {
    @Test func deliversNotificationsInOrder() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                let notes = try await pool.listen(channels: ["jobs", "Other Channel"])
                try await pool.execute("NOTIFY jobs, 'first'")
                try await pool.withTransaction { c in
                    try await c.execute("SELECT pg_notify('jobs', $1)", ["ünï 'quoted'"])
                    try await c.execute("SELECT pg_notify($1, $2)", ["Other Channel", "x"])
                }
                try await pool.execute("SELECT pg_notify('ignored', 'no')")
                try await pool.execute("NOTIFY jobs")
                var received: [PostgresNotification] = []
                for try await note in notes {
                    received.append(note)
                    if received.count == 4 { break }
                }
                #expect(received.map(\.channel) == ["jobs", "jobs", "Other Channel", "jobs"])
                #expect(received.map(\.payload) == ["first", "ünï 'quoted'", "x", ""])
                #expect(received.allSatisfy { $0.backendPID != 0 && !$0.afterReconnect })
            }
        }
    }

    @Test func rolledBackNotifyIsNotDelivered() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                let notes = try await pool.listen(channel: "jobs")
                struct Abort: Error {}
                _ = try? await pool.withTransaction { c in
                    try await c.execute("NOTIFY jobs, 'rolled back'")
                    throw Abort()
                }
                try await pool.execute("NOTIFY jobs, 'committed'")
                var iterator = notes.makeAsyncIterator()
                #expect(try await iterator.next()?.payload == "committed")
            }
        }
    }

    @Test func stoppingIterationClosesTheListenerConnection() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                let count = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'dicom-gw listener'"
                let consumer = Task {
                    let notes = try await pool.listen(channel: "c")
                    for try await _ in notes {}
                }
                // Wait until the listener is connected.
                var listening = 0
                for _ in 0..<100 where listening == 0 {
                    listening = try await pool.query(count)[0].decode(Int.self, at: 0)
                    if listening == 0 { try await Task.sleep(for: .milliseconds(20)) }
                }
                #expect(listening == 1)
                consumer.cancel()
                _ = await consumer.result
                for _ in 0..<100 where listening > 0 {
                    listening = try await pool.query(count)[0].decode(Int.self, at: 0)
                    if listening > 0 { try await Task.sleep(for: .milliseconds(20)) }
                }
                #expect(listening == 0)
            }
        }
    }
}
