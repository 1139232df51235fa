import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("Errors and safety", .requiresDatabase)
struct ErrorTests {
    @Test func sqlStatesMapToCodes() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                try await pool.execute(
                    """
                    CREATE TABLE parent (id int8 PRIMARY KEY);
                    """)
                try await pool.withConnection { c in
                    try await c.executeScript(
                        """
                        CREATE TABLE child (id int8 PRIMARY KEY, parent int8 REFERENCES parent(id),
                                            n int4 CHECK (n >= 0) NOT NULL);
                        INSERT INTO parent VALUES (1);
                        INSERT INTO child VALUES (1, 1, 0);
                        """)
                }
                func code(_ sql: String, _ params: [any PostgresEncodable] = []) async -> PostgresError? {
                    do {
                        try await pool.execute(sql, params)
                        return nil
                    } catch {
                        return error as? PostgresError
                    }
                }
                let unique = await code("INSERT INTO child VALUES ($1, 1, 0)", [Int64(1)])
                #expect(unique?.code == .uniqueViolation)
                #expect(unique?.sqlState == "23505")
                #expect(unique?.constraintName == "child_pkey")
                #expect(unique?.detail?.contains("(id)=(1)") == true)
                #expect(unique?.tableName == "child")
                #expect(await code("INSERT INTO child VALUES (2, 99, 0)")?.code == .foreignKeyViolation)
                #expect(await code("INSERT INTO child VALUES (3, 1, -1)")?.code == .checkViolation)
                #expect(await code("INSERT INTO child VALUES (4, 1, NULL)")?.code == .notNullViolation)
                #expect(await code("SELEC 1")?.code == .syntaxError)
                #expect(await code("SELECT * FROM nowhere")?.code == .undefinedTable)
                #expect(await code("SELECT 'x'::int")?.code == .invalidTextRepresentation)
                #expect(await code("SET statement_timeout = 50; SELECT pg_sleep(1)") != nil)  // two statements: refused by extended protocol
                let canceled = try await pool.withConnection { c -> PostgresError? in
                    try await c.executeScript("SET statement_timeout = 50")
                    do {
                        try await c.query("SELECT pg_sleep(2)")
                        return nil
                    } catch { return error as? PostgresError }
                }
                #expect(canceled?.code == .queryCanceled)
                let raised = await code("DO $$ BEGIN RAISE EXCEPTION 'boom' USING DETAIL = 'd', HINT = 'h', ERRCODE = '40001'; END $$")
                #expect(raised?.code == .serializationFailure)
                #expect(raised?.message == "boom")
                #expect(raised?.detail == "d")
                #expect(raised?.hint == "h")
                #expect(raised?.severity == "ERROR")
                #expect(raised?.isConnectionError == false)
                let terminated = try await pool.withConnection { c -> PostgresError? in
                    do {
                        try await c.query("SELECT pg_terminate_backend(pg_backend_pid())")
                        return nil
                    } catch { return error as? PostgresError }
                }
                #expect(terminated?.isConnectionError == true)
                // The pool replaced the terminated connection.
                #expect(try await pool.query("SELECT 1")[0].decode(Int.self, at: 0) == 1)
            }
        }
    }

    @Test func deadlockIsReported() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                try await pool.execute("CREATE TABLE d (id int PRIMARY KEY, v int)")
                try await pool.execute("INSERT INTO d VALUES (1, 0), (2, 0)")
                // Two transactions lock rows in opposite order; the server kills one.
                let errors = await withTaskGroup(of: PostgresError?.self) { group in
                    for (first, second) in [(1, 2), (2, 1)] {
                        group.addTask {
                            do {
                                try await pool.withTransaction { c in
                                    try await c.execute("UPDATE d SET v = v + 1 WHERE id = $1", [Int32(first)])
                                    try await c.query("SELECT pg_sleep(0.3)")
                                    try await c.execute("UPDATE d SET v = v + 1 WHERE id = $1", [Int32(second)])
                                }
                                return nil
                            } catch { return error as? PostgresError }
                        }
                    }
                    return await group.reduce(into: [PostgresError]()) { if let e = $1 { $0.append(e) } }
                }
                #expect(errors.map(\.code) == [.deadlockDetected])
            }
        }
    }

    @Test func hostilePayloadsStayData() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                try await pool.execute("CREATE TABLE t (id serial PRIMARY KEY, s text NOT NULL)")
                let payloads = [
                    "'; DROP TABLE t; --", "\"; DROP TABLE t; --", "$1", "\\'; SELECT 1; --", "a';b\";c",
                    "$$; DROP TABLE t; $$", "E'\\x00'",
                ]
                for p in payloads {
                    try await pool.execute("INSERT INTO t (s) VALUES ($1)", [p])
                    let back = try await pool.query("SELECT s FROM t WHERE s = $1", [p])
                    #expect(back.count == 1)
                    #expect(try back[0].decode(String.self, column: "s") == p)
                }
                #expect(try await pool.query("SELECT count(*) FROM t")[0].decode(Int.self, at: 0) == payloads.count)
            }
        }
    }

    @Test func decodingErrorsNameTheColumn() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                let row = try await pool.query("SELECT 'x'::text AS label, NULL::int8 AS missing")[0]
                do {
                    _ = try row.decode(Int64.self, column: "label")
                    Issue.record("decoding text as Int64 succeeded")
                } catch let error as PostgresError {
                    #expect(error.code == .decodingFailed)
                    #expect(error.columnName == "label")
                    #expect(error.message.contains("\"label\""))
                }
                do {
                    _ = try row.decode(Int64.self, column: "missing")
                    Issue.record("decoding NULL as Int64 succeeded")
                } catch let error as PostgresError {
                    #expect(error.columnName == "missing")
                    #expect(error.message.contains("NULL"))
                }
                #expect(throws: PostgresError.self) { try row.decode(Int64.self, column: "nope") }
                #expect(throws: PostgresError.self) { try row.decode(Int64.self, at: 7) }
            }
        }
    }

    @Test func connectFailureIsFastAndTyped() async throws {
        let start = ContinuousClock.now
        let pool = PostgresPool(
            configuration: .init(url: "postgresql://nobody@127.0.0.1:1/none", connectTimeout: .seconds(2)),
            logger: TestDatabase.logger)
        do {
            try await pool.query("SELECT 1")
            Issue.record("connected to port 1")
        } catch let error as PostgresError {
            #expect(error.code == .connectionFailed)
            #expect(error.isConnectionError)
        }
        #expect(ContinuousClock.now - start < .seconds(3))
        await pool.shutdown()
    }
}
