import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("Migration runner", .requiresDatabase)
struct MigrationRunnerTests {
    /// A temporary migrations directory holding `files` (name → SQL).
    private func directory(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, sql) in files {
            try Data(sql.utf8).write(to: dir.appendingPathComponent(name))
        }
        return dir
    }

    private let files = [
        "0001_schema.sql": """
            CREATE SCHEMA IF NOT EXISTS app;
            CREATE TABLE app.things (id int8 PRIMARY KEY, name text NOT NULL);
            -- a comment; and a string with a semicolon
            INSERT INTO app.things VALUES (1, 'a;b');
            """,
        "0002_more.sql": "ALTER TABLE app.things ADD COLUMN size int4 NOT NULL DEFAULT 0;",
        "0010_late.sql": "CREATE INDEX things_name ON app.things (name);",
        "README.md": "not a migration",
    ]

    @Test func appliesInOrderOnceAndReportsStatus() async throws {
        let dir = try directory(files)
        defer { try? FileManager.default.removeItem(at: dir) }
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                let runner = MigrationRunner(pool: pool, directory: dir, schema: "app")
                let before = try await runner.status()
                #expect(before.applied.isEmpty)
                #expect(before.pending.map(\.version) == [1, 2, 10])
                #expect(!before.isUpToDate)

                let applied = try await runner.migrate()
                #expect(applied.map(\.version) == [1, 2, 10])
                #expect(applied.map(\.name) == ["schema", "more", "late"])
                #expect(try await runner.migrate().isEmpty)  // idempotent

                let status = try await runner.status()
                #expect(status.isUpToDate)
                #expect(status.applied.map(\.version) == [1, 2, 10])
                #expect(status.applied.allSatisfy { abs($0.appliedAt.timeIntervalSinceNow) < 60 })
                let row = try await pool.query("SELECT name, size FROM app.things")[0]
                #expect(try row.decode(String.self, at: 0) == "a;b")
                #expect(try row.decode(Int32.self, at: 1) == 0)
                let recorded = try await pool.query("SELECT checksum FROM app.schema_migrations WHERE version = 2")
                #expect(try recorded[0].decode(String.self, at: 0) == Migration(version: 2, name: "more", sql: files["0002_more.sql"]!).checksum)

                // A new file is pending, then applied alone.
                try Data("CREATE TABLE app.extra (x int);".utf8).write(to: dir.appendingPathComponent("0011_extra.sql"))
                #expect(try await runner.status().pending.map(\.version) == [11])
                #expect(try await runner.migrate().map(\.version) == [11])
            }
        }
    }

    @Test func failingMigrationRollsBackAndStops() async throws {
        let dir = try directory([
            "0001_ok.sql": "CREATE TABLE public.a (x int);",
            "0002_bad.sql": "CREATE TABLE public.b (x int); SELECT no_such_function();",
            "0003_never.sql": "CREATE TABLE public.c (x int);",
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                let runner = MigrationRunner(pool: pool, directory: dir, schema: "meta")
                do {
                    try await runner.migrate()
                    Issue.record("a failing migration succeeded")
                } catch let error as MigrationError {
                    #expect(error.code == .failed)
                    #expect(error.message.contains("0002") || error.message.contains("2_bad"))
                    #expect(error.underlying?.sqlState == "42883")
                }
                let tables = try await pool.query(
                    "SELECT array_agg(tablename::text ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'")
                #expect(try tables[0].decode([String].self, at: 0) == ["a"])
                #expect(try await runner.status().pending.map(\.version) == [2, 3])
            }
        }
    }

    @Test func changedAppliedFileIsRefused() async throws {
        let dir = try directory(["0001_a.sql": "CREATE TABLE public.a (x int);"])
        defer { try? FileManager.default.removeItem(at: dir) }
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                let runner = MigrationRunner(pool: pool, directory: dir, schema: "meta")
                try await runner.migrate()
                try Data("CREATE TABLE public.a (x int, y int);".utf8).write(to: dir.appendingPathComponent("0001_a.sql"))
                try Data("CREATE TABLE public.b (x int);".utf8).write(to: dir.appendingPathComponent("0002_b.sql"))
                do {
                    try await runner.migrate()
                    Issue.record("a changed migration was accepted")
                } catch let error as MigrationError {
                    #expect(error.code == .checksumMismatch)
                }
                let status = try await runner.status()
                #expect(status.applied.first?.matchesFile == false)
                #expect(!status.isUpToDate)
                // Nothing after the refusal ran.
                #expect(try await pool.query("SELECT to_regclass('public.b') IS NULL")[0].decode(Bool.self, at: 0))
            }
        }
    }

    @Test func concurrentRunnersApplyEachMigrationOnce() async throws {
        var many: [String: String] = [:]
        for i in 1...8 {
            // Not idempotent: a second run of any file would fail.
            many[String(format: "%04d_step.sql", i)] = "CREATE TABLE public.t\(i) (x int); INSERT INTO public.t\(i) VALUES (\(i));"
        }
        let dir = try directory(many)
        defer { try? FileManager.default.removeItem(at: dir) }
        try await TestDatabase.withFresh { db async throws in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        // Separate pools, as separate processes would have.
                        try await db.withPool(maxConnections: 1) { pool async throws in
                            try await MigrationRunner(pool: pool, directory: dir, schema: "meta").migrate().count
                        }
                    }
                }
                let total = try await group.reduce(0, +)
                #expect(total == 8)
            }
            try await db.withPool { pool async throws in
                #expect(try await pool.query("SELECT count(*) FROM meta.schema_migrations")[0].decode(Int.self, at: 0) == 8)
            }
        }
    }

    @Test func badFileNamesAreRejected() throws {
        for bad in ["1.sql", "abc_x.sql", "0001_.sql", "_x.sql"] {
            let dir = try directory([bad: "SELECT 1;"])
            defer { try? FileManager.default.removeItem(at: dir) }
            #expect(throws: MigrationError.self) { try Migration.load(from: dir) }
        }
        let dup = try directory(["0001_a.sql": "", "01_b.sql": ""])
        defer { try? FileManager.default.removeItem(at: dup) }
        do {
            _ = try Migration.load(from: dup)
            Issue.record("duplicate versions accepted")
        } catch let error as MigrationError {
            #expect(error.code == .duplicateVersion)
        }
    }
}
