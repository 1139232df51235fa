import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("Pipelines: several statements, one round trip", .requiresDatabase)
struct PipelineTests {
    static let insert = PreparedStatement("INSERT INTO p (id, v) VALUES ($1, $2) RETURNING id")
    static let count = PreparedStatement("SELECT count(*) FROM p")

    @Test func resultsComeBackInOrderAndPreparedStatementsAreReused() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                try await pool.execute("CREATE TABLE p (id int8 PRIMARY KEY, v text)")
                try await pool.withConnection { c in
                    let rows = try await c.pipeline([
                        PostgresStatement(Self.insert, [Int64(1), "one"]),
                        PostgresStatement(Self.insert, [Int64(2), "two"]),
                        PostgresStatement("SELECT v FROM p ORDER BY id"),
                        PostgresStatement(Self.count),
                    ])
                    #expect(rows.count == 4)
                    #expect(try rows[0][0].decode(Int64.self, at: 0) == 1)
                    #expect(try rows[1][0].decode(Int64.self, at: 0) == 2)
                    #expect(try rows[2].map { try $0.decode(String.self, at: 0) } == ["one", "two"])
                    #expect(try rows[3][0].decode(Int64.self, at: 0) == 2)
                    // Prepared once in the first pipeline, executed by name afterwards.
                    let again = try await c.pipeline([PostgresStatement(Self.insert, [Int64(3), "three"]), PostgresStatement(Self.count)])
                    #expect(try again[1][0].decode(Int64.self, at: 0) == 3)
                    #expect(try await c.query(Self.count)[0].decode(Int64.self, at: 0) == 3)
                    let prepared = try await c.query("SELECT count(*) FROM pg_prepared_statements")[0].decode(Int64.self, at: 0)
                    #expect(prepared == 2)
                }
            }
        }
    }

    @Test func aFailureStopsTheRestAndUndoesTheImplicitTransaction() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                try await pool.execute("CREATE TABLE p (id int8 PRIMARY KEY, v text)")
                try await pool.withConnection { c in
                    await #expect(throws: PostgresError.self) {
                        try await c.pipeline([
                            PostgresStatement(Self.insert, [Int64(1), "one"]),
                            PostgresStatement("SELECT 1 / $1::int4", [Int32(0)]),
                            PostgresStatement(Self.insert, [Int64(2), "two"]),
                        ])
                    }
                    do {
                        _ = try await c.pipeline([PostgresStatement(Self.insert, [Int64(1), "x"]), PostgresStatement(Self.insert, [Int64(1), "y"])])
                        Issue.record("a duplicate key went through")
                    } catch let error as PostgresError {
                        #expect(error.code == .uniqueViolation)
                    }
                    // Outside a transaction block the pipeline was one transaction: nothing stayed.
                    #expect(try await c.query(Self.count)[0].decode(Int64.self, at: 0) == 0)
                    #expect(c.isBroken == false)
                }
                #expect(try await pool.query("SELECT 1")[0].decode(Int.self, at: 0) == 1)
            }
        }
    }

    @Test func aStatementThatCannotBePreparedIsReportedAndNotRemembered() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                try await pool.execute("CREATE TABLE p (id int8 PRIMARY KEY, v text)")
                let broken = PreparedStatement("SELEC 1")
                try await pool.withConnection { c in
                    for _ in 0..<2 {
                        do {
                            _ = try await c.pipeline([PostgresStatement(broken), PostgresStatement(Self.count)])
                            Issue.record("a syntax error went through")
                        } catch let error as PostgresError {
                            #expect(error.code == .syntaxError)
                        }
                    }
                    let rows = try await c.pipeline([PostgresStatement(Self.count)])
                    #expect(try rows[0][0].decode(Int64.self, at: 0) == 0)
                }
            }
        }
    }

    @Test func aTransactionBeginsWithItsFirstStatements() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                try await pool.execute("CREATE TABLE p (id int8 PRIMARY KEY, v text)")
                let id = try await pool.withTransaction(beginningWith: [
                    PostgresStatement(Self.insert, [Int64(1), "one"]), PostgresStatement("SELECT now() = statement_timestamp()"),
                ]) { c, rows -> Int64 in
                    #expect(rows.count == 2)
                    // In one transaction: the body sees the first statements' rows and work.
                    #expect(try await c.query(Self.count)[0].decode(Int64.self, at: 0) == 1)
                    return try rows[0][0].decode(Int64.self, at: 0)
                }
                #expect(id == 1)
                // A failing first statement rolls back before the body runs.
                var ran = false
                await #expect(throws: PostgresError.self) {
                    try await pool.withTransaction(beginningWith: [
                        PostgresStatement(Self.insert, [Int64(2), "two"]), PostgresStatement(Self.insert, [Int64(1), "again"]),
                    ]) { _, _ in ran = true }
                }
                #expect(!ran)
                // A body that throws rolls back the first statements too.
                struct Refused: Error {}
                await #expect(throws: Refused.self) {
                    try await pool.withTransaction(beginningWith: [PostgresStatement(Self.insert, [Int64(3), "three"])]) { _, _ in
                        throw Refused()
                    }
                }
                #expect(try await pool.query(Self.count)[0].decode(Int64.self, at: 0) == 1)
                // The connections went back to the pool idle and usable.
                for _ in 0..<4 {
                    let one = try await pool.withConnection { c in try await c.query("SELECT 1")[0].decode(Int.self, at: 0) }
                    #expect(one == 1)
                }
            }
        }
    }

    @Test func aSessionLostMidPipelineIsReportedNotAwaitedForever() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                let error = try await pool.withConnection { c -> PostgresError? in
                    do {
                        _ = try await c.pipeline([
                            PostgresStatement("SELECT 1"),
                            PostgresStatement("SELECT pg_terminate_backend(pg_backend_pid())"),
                            PostgresStatement("SELECT 2"),
                        ])
                        return nil
                    } catch {
                        #expect(c.isBroken)
                        return error as? PostgresError
                    }
                }
                #expect(error?.isConnectionError == true)
                // The pool replaced the lost connection.
                #expect(try await pool.query("SELECT 1")[0].decode(Int.self, at: 0) == 1)
            }
        }
    }

    @Test func aCommitThatLosesItsConnectionIsReportedInDoubtAndTheServerSaysHowItEnded() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                try await pool.withConnection { c in
                    try await c.executeScript(
                        """
                        CREATE TABLE p (id int8 PRIMARY KEY);
                        CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5); RETURN NULL; END $$;
                        CREATE CONSTRAINT TRIGGER die AFTER INSERT ON p DEFERRABLE INITIALLY DEFERRED
                            FOR EACH ROW WHEN (NEW.id = 13) EXECUTE FUNCTION die();
                        """)
                }
                // Committed, rolled back, still running.
                let committed = try await pool.withTransaction(beginningWith: [.currentTransactionID]) { _, rows in
                    try rows[0][0].decode(Int64.self, at: 0)
                }
                #expect(try await pool.outcome(ofTransaction: committed) == .committed)
                struct Refused: Error {}
                var rolledBack: Int64 = 0
                await #expect(throws: Refused.self) {
                    try await pool.withTransaction(beginningWith: [.currentTransactionID]) { _, rows in
                        rolledBack = try rows[0][0].decode(Int64.self, at: 0)
                        throw Refused()
                    }
                }
                #expect(try await pool.outcome(ofTransaction: rolledBack) == .aborted)
                try await pool.withTransaction(beginningWith: [.currentTransactionID]) { _, rows in
                    let running = try rows[0][0].decode(Int64.self, at: 0)
                    #expect(try await pool.outcome(ofTransaction: running) == .inProgress)
                }
                #expect(try await pool.outcome(ofTransaction: Int64(1) << 40) == .unknown)

                // The session dies inside COMMIT (a deferred trigger ends it).
                var doomed: Int64 = 0
                do {
                    try await pool.withTransaction(beginningWith: [
                        PostgresStatement("INSERT INTO p VALUES (13)"), .currentTransactionID,
                    ]) { _, rows in
                        doomed = try rows[1][0].decode(Int64.self, at: 0)
                    }
                    Issue.record("the commit went through")
                } catch let error as PostgresError {
                    #expect(error.code == .commitOutcomeUnknown)
                    #expect(error.isConnectionError)
                }
                #expect(try await pool.outcome(ofTransaction: doomed) == .aborted)
                #expect(try await pool.query("SELECT count(*) FROM p")[0].decode(Int64.self, at: 0) == 0)
            }
        }
    }
}
