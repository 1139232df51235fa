import Foundation
import PostgresClient
import TestSupport

/// The admin tests' database: a fresh one per test (TestSupport's ``TestDatabase``) with the
/// repository's migrations applied.
enum AdminTestDatabase {
    /// The package root, found from this file's path.
    static var packageRoot: URL {
        TestDatabase.repositoryMigrations.deletingLastPathComponent()
    }

    /// Runs `body` with a pool on a new database holding the current schema.
    static func with<T>(_ body: (PostgresPool) async throws -> T) async throws -> T {
        try await TestDatabase.withFresh(migrations: TestDatabase.repositoryMigrations) { database in
            try await database.withPool { pool in try await body(pool) }
        }
    }
}
