public import Foundation
public import Logging

/// Applies `NNNN_name.sql` files in version order, each in its own transaction, recording
/// them in `<schema>.schema_migrations (version, name, checksum, applied_at)`.
///
/// Concurrent runners (several processes starting at once) are safe: each holds a session
/// `pg_advisory_lock`, keyed by the schema name, for the whole run, and reads what is applied
/// only after taking it. A file whose checksum changed after it was applied stops the run
/// before anything is applied. Files run through the simple query protocol, so one file may
/// hold many statements; they must not contain their own BEGIN/COMMIT or statements that
/// cannot run in a transaction (CREATE INDEX CONCURRENTLY).
///
/// The runner creates the schema for its table when missing, so a first migration that
/// creates the same schema must say `CREATE SCHEMA IF NOT EXISTS`.
public struct MigrationRunner: Sendable {
    private let pool: PostgresPool
    /// The directory of migration files.
    public let directory: URL
    /// The schema holding `schema_migrations`.
    public let schema: String
    private let logger: Logger

    /// A runner.
    /// - Parameters:
    ///   - pool: where to migrate.
    ///   - directory: holds the `NNNN_name.sql` files.
    ///   - schema: holds the bookkeeping table (created when missing).
    ///   - logger: one info line per applied migration.
    public init(pool: PostgresPool, directory: URL, schema: String, logger: Logger? = nil) {
        self.pool = pool
        self.directory = directory
        self.schema = schema
        self.logger = logger ?? pool.logger
    }

    private var table: String { "\(quoteIdentifier(schema)).schema_migrations" }

    /// The advisory lock key: stable per schema, so runners for other schemas do not wait.
    private var lockKey: Int64 {
        // FNV-1a over the schema name, folded into the signed 64-bit key space.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "dicom-gw.migrations.\(schema)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    /// Applies every pending migration.
    /// - Returns: the migrations applied by this call (empty when up to date).
    /// - Throws: ``MigrationError`` (a changed file, a bad name, a failing migration, which is
    ///   rolled back and stops the run) or ``PostgresError``.
    @discardableResult
    public func migrate() async throws -> [Migration] {
        let files = try Migration.load(from: directory)
        return try await withLock { connection in
            let applied = try await readApplied(connection)
            try verify(applied: applied, files: files)
            let done = Set(applied.map(\.version))
            var ran: [Migration] = []
            for migration in files where !done.contains(migration.version) {
                do {
                    try await connection.withTransaction { connection in
                        try await connection.executeScript(migration.sql)
                        try await connection.execute(
                            "INSERT INTO \(table) (version, name, checksum) VALUES ($1, $2, $3)",
                            [migration.version, migration.name, migration.checksum])
                    }
                } catch let error as PostgresError {
                    throw MigrationError(
                        code: .failed,
                        message: "migration \(migration.version)_\(migration.name) failed and was rolled back",
                        underlying: error)
                }
                logger.info(
                    "applied migration",
                    metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"])
                ran.append(migration)
            }
            return ran
        }
    }

    /// Lists applied and pending migrations without changing anything (but the bookkeeping
    /// table, created when missing).
    /// - Throws: ``MigrationError`` or ``PostgresError``.
    public func status() async throws -> MigrationStatus {
        let files = try Migration.load(from: directory)
        let applied = try await withLock { try await readApplied($0) }
        let byVersion = Dictionary(uniqueKeysWithValues: files.map { ($0.version, $0) })
        let done = Set(applied.map(\.version))
        return MigrationStatus(
            applied: applied.map { row in
                var row = row
                row.matchesFile = byVersion[row.version]?.checksum == row.checksum
                return row
            },
            pending: files.filter { !done.contains($0.version) })
    }

    private func verify(applied: [MigrationStatus.Applied], files: [Migration]) throws {
        let byVersion = Dictionary(uniqueKeysWithValues: files.map { ($0.version, $0) })
        for row in applied {
            guard let file = byVersion[row.version] else {
                logger.warning(
                    "an applied migration has no file", metadata: ["migration.version": "\(row.version)"])
                continue
            }
            guard file.checksum == row.checksum else {
                throw MigrationError(
                    code: .checksumMismatch,
                    message: "migration \(row.version)_\(row.name) was changed after it was applied "
                        + "(checksum \(row.checksum) recorded, \(file.checksum) on disk); add a new migration instead")
            }
        }
    }

    private func readApplied(_ connection: PostgresConnection) async throws -> [MigrationStatus.Applied] {
        try await connection.query("SELECT version, name, checksum, applied_at FROM \(table) ORDER BY version").map { row in
            MigrationStatus.Applied(
                version: try row.decode(Int64.self, at: 0),
                name: try row.decode(String.self, at: 1),
                checksum: try row.decode(String.self, at: 2),
                appliedAt: try row.decode(Date.self, at: 3),
                matchesFile: true)
        }
    }

    /// Runs `body` holding the advisory lock, with the bookkeeping table in place.
    private func withLock<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let key = lockKey
        let schemaName = quoteIdentifier(schema)
        let table = self.table
        return try await pool.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock($1)", [key])
            do {
                try await connection.executeScript(
                    """
                    CREATE SCHEMA IF NOT EXISTS \(schemaName);
                    CREATE TABLE IF NOT EXISTS \(table) (
                        version    bigint PRIMARY KEY,
                        name       text NOT NULL,
                        checksum   text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    );
                    """)
                let value = try await body(connection)
                try await connection.query("SELECT pg_advisory_unlock($1)", [key])
                return value
            } catch {
                // The lock is per session: unlock if the session lives, else the server freed it.
                _ = try? await connection.query("SELECT pg_advisory_unlock($1)", [key])
                throw error
            }
        }
    }
}
