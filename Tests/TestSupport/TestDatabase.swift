public import Foundation
public import Logging
public import PostgresClient
public import Testing

/// A fresh, uniquely named database for one test, created from `DICOM_GW_TEST_DATABASE_URL`.
///
/// Each test gets its own database, so tests running in parallel never see each other's
/// rows. The database is dropped when ``withFresh(migrations:_:)`` ends.
///
/// When the variable is missing, suites marked ``Testing/Trait/requiresDatabase`` are skipped
/// with a message, except when `CI` is set: then they run and fail loudly, so a skip can
/// never hide a failure in CI.
public struct TestDatabase: Sendable {
    /// The new database's name.
    public let name: String
    /// A URL (or conninfo) reaching the new database.
    public let url: String

    /// The server URL from the environment, if set.
    public static var serverURL: String? {
        let value = ProcessInfo.processInfo.environment["DICOM_GW_TEST_DATABASE_URL"]
        return value?.isEmpty == false ? value : nil
    }

    /// True when database tests should run (the URL is set, or CI demands they run).
    public static var isEnabled: Bool {
        serverURL != nil || ProcessInfo.processInfo.environment["CI"] != nil
    }

    /// The repository's `migrations/` directory, found from this file's location.
    public static var repositoryMigrations: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // TestSupport
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
            .appendingPathComponent("migrations", isDirectory: true)
    }

    /// A logger for tests: warnings and above, to stderr.
    public static let logger: Logger = {
        var logger = Logger(label: "dicom-gw.test")
        logger.logLevel = .warning
        return logger
    }()

    /// Creates a database, runs `body`, then drops the database.
    /// - Parameters:
    ///   - migrations: a directory of `NNNN_name.sql` files to apply first (schema `dicom_gw`),
    ///     e.g. ``repositoryMigrations``; nil for an empty database.
    /// - Throws: when the environment is not set up, or what `body` throws.
    public static func withFresh<T>(
        migrations: URL? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (TestDatabase) async throws -> T
    ) async throws -> T {
        guard let server = serverURL else {
            throw TestDatabaseError(
                "DICOM_GW_TEST_DATABASE_URL is not set but CI is: database tests must run in CI "
                    + "(scripts/test.sh or make test sets it)")
        }
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try await PostgresConnection.connect(url: server, logger: logger)
        do {
            try await admin.executeScript("CREATE DATABASE \"\(name)\"")
        } catch {
            await admin.close()
            throw error
        }
        let database = TestDatabase(name: name, url: try Self.url(server, database: name))
        do {
            if let migrations {
                try await database.withPool { pool in
                    _ = try await MigrationRunner(pool: pool, directory: migrations, schema: "dicom_gw").migrate()
                }
            }
            let value = try await body(database)
            try? await admin.executeScript("DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)")
            await admin.close()
            return value
        } catch {
            try? await admin.executeScript("DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)")
            await admin.close()
            throw error
        }
    }

    /// Runs `body` with a pool on this database, shut down afterwards.
    public func withPool<T>(
        maxConnections: Int = 4,
        acquireTimeout: Duration = .seconds(10),
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresPool) async throws -> T
    ) async throws -> T {
        let pool = PostgresPool(
            configuration: .init(url: url, maxConnections: maxConnections, acquireTimeout: acquireTimeout),
            logger: Self.logger)
        do {
            let value = try await body(pool)
            await pool.shutdown()
            return value
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    /// The same server URL pointing at another database (URL or `key=value` form).
    public static func url(_ server: String, database: String) throws -> String {
        if server.hasPrefix("postgres://") || server.hasPrefix("postgresql://") {
            guard var components = URLComponents(string: server) else {
                throw TestDatabaseError("cannot parse DICOM_GW_TEST_DATABASE_URL")
            }
            components.path = "/" + database
            guard let url = components.string else { throw TestDatabaseError("cannot rebuild the URL") }
            return url
        }
        // conninfo: a later keyword wins.
        return server + " dbname=\(database)"
    }
}

/// A setup problem of the test environment.
public struct TestDatabaseError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test only when a PostgreSQL is configured (always in CI).
    public static var requiresDatabase: Self {
        .enabled(
            if: TestDatabase.isEnabled,
            "DICOM_GW_TEST_DATABASE_URL is not set: skipping PostgreSQL tests (run `make test`, or scripts/dev-db.sh start and export the URL from scripts/dev-db.sh url)"
        )
    }
}
