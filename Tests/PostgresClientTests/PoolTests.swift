import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("Pool and transactions", .requiresDatabase)
struct PoolTests {
    @Test func fiftyConcurrentQueriesThroughFourConnections() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool(maxConnections: 4) { pool async throws in
                let pids = try await withThrowingTaskGroup(of: (Int, Int32).self) { group in
                    for i in 0..<50 {
                        group.addTask {
                            let row = try await pool.query("SELECT $1::int8 * 2, pg_backend_pid(), pg_sleep(0.01)", [Int64(i)])[0]
                            #expect(try row.decode(Int.self, at: 0) == i * 2)
                            return (i, try row.decode(Int32.self, at: 1))
                        }
                    }
                    return try await group.reduce(into: [Int: Int32]()) { $0[$1.0] = $1.1 }
                }
                #expect(pids.count == 50)
                let distinct = Set(pids.values)
                #expect(distinct.count <= 4)
                #expect(distinct.count >= 2)
            }
        }
    }

    @Test func acquireTimesOutWhenAllBusy() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool(maxConnections: 1, acquireTimeout: .milliseconds(300)) { pool async throws in
                try await pool.withConnection { _ in
                    let start = ContinuousClock.now
                    do {
                        try await pool.query("SELECT 1")
                        Issue.record("acquired a second connection from a pool of one")
                    } catch let error as PostgresError {
                        #expect(error.code == .poolTimeout)
                    }
                    #expect(ContinuousClock.now - start < .seconds(2))
                }
                #expect(try await pool.query("SELECT 2")[0].decode(Int.self, at: 0) == 2)
            }
        }
    }

    struct Boom: Error {}

    @Test func transactionCommitsOnReturnAndRollsBackOnThrow() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                try await pool.execute("CREATE TABLE t (v int8)")
                let inserted = try await pool.withTransaction { c in
                    try await c.execute("INSERT INTO t VALUES ($1), ($2)", [Int64(1), Int64(2)])
                }
                #expect(inserted == 2)
                await #expect(throws: Boom.self) {
                    try await pool.withTransaction { c in
                        try await c.execute("INSERT INTO t VALUES (3)")
                        throw Boom()
                    }
                }
                // A swallowed statement error aborts the transaction: COMMIT refuses.
                await #expect(throws: PostgresError.self) {
                    try await pool.withTransaction { c in
                        try await c.execute("INSERT INTO t VALUES (4)")
                        _ = try? await c.execute("SELECT 1/0")
                    }
                }
                let values = try await pool.query("SELECT v FROM t ORDER BY v").map { try $0.decode(Int64.self, at: 0) }
                #expect(values == [1, 2])
                // Connections come back clean: no transaction left open.
                let stuck = try await pool.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'")
                #expect(try stuck[0].decode(Int.self, at: 0) == 0)
            }
        }
    }

    @Test func preparedStatementsReuseAcrossCalls() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool(maxConnections: 2) { pool async throws in
                try await pool.execute("CREATE TABLE kv (k int8 PRIMARY KEY, v text)")
                let insert = PreparedStatement("INSERT INTO kv VALUES ($1, $2)")
                let find = PreparedStatement("SELECT v FROM kv WHERE k = $1")
                for i in 0..<20 { try await pool.execute(insert, [Int64(i), "v\(i)"]) }
                for i in 0..<20 {
                    #expect(try await pool.query(find, [Int64(i)])[0].decode(String.self, at: 0) == "v\(i)")
                }
                let prepared = try await pool.withConnection { c in
                    try await c.query(find, [Int64(1)])
                    return try await c.query("SELECT count(*) FROM pg_prepared_statements")[0].decode(Int.self, at: 0)
                }
                #expect(prepared == 2)
            }
        }
    }

    @Test func shutdownFailsLaterCalls() async throws {
        try await TestDatabase.withFresh { db async throws in
            let pool = PostgresPool(configuration: .init(url: db.url), logger: TestDatabase.logger)
            let runner = Task { try await pool.run() }
            #expect(try await pool.query("SELECT 1").count == 1)
            runner.cancel()
            try await runner.value
            do {
                try await pool.query("SELECT 1")
                Issue.record("query after shutdown succeeded")
            } catch let error as PostgresError {
                #expect(error.code == .poolShutdown)
            }
        }
    }
}
