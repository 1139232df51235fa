import Foundation
import Logging
import PostgresClient

/// A fresh database per test, with the repository's migrations applied, dropped afterwards.
///
/// Reads the server from `DICOM_GW_TEST_DATABASE_URL` (set by `make test`).
enum AdminTestDatabase {
    static let serverURL = ProcessInfo.processInfo.environment["DICOM_GW_TEST_DATABASE_URL"]

    /// Whether a test server is configured (CI always sets it).
    static var isConfigured: Bool { serverURL != nil }

    /// The package root, found from this file's path.
    static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    /// Runs `body` with a pool on a new database holding the current schema.
    static func with<T>(_ body: (PostgresPool) async throws -> T) async throws -> T {
        guard let serverURL else { throw PostgresError(code: .connectionFailed, message: "DICOM_GW_TEST_DATABASE_URL is not set") }
        let logger = Logger(label: "test")
        let name = "gw_admin_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        let admin = PostgresPool(configuration: .init(url: serverURL, maxConnections: 1), logger: logger)
        try await admin.execute("CREATE DATABASE \(name)")
        let pool = PostgresPool(configuration: .init(url: url(serverURL, database: String(name)), maxConnections: 4), logger: logger)
        do {
            try await migrate(pool)
            let value = try await body(pool)
            await pool.shutdown()
            try await admin.execute("DROP DATABASE \(name) WITH (FORCE)")
            await admin.shutdown()
            return value
        } catch {
            await pool.shutdown()
            _ = try? await admin.execute("DROP DATABASE \(name) WITH (FORCE)")
            await admin.shutdown()
            throw error
        }
    }

    /// Applies every `migrations/*.sql` in order.
    static func migrate(_ pool: PostgresPool) async throws {
        let directory = packageRoot.appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        for file in files {
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            try await pool.withConnection { try await $0.executeScript(sql) }
        }
    }

    /// The server URL with another database name (URL or key=value form).
    static func url(_ serverURL: String, database: String) -> String {
        if serverURL.hasPrefix("postgres://") || serverURL.hasPrefix("postgresql://"),
            var components = URLComponents(string: serverURL)
        {
            components.path = "/" + database
            return components.string ?? serverURL
        }
        return serverURL + " dbname=\(database)"
    }
}
