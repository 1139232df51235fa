import DICOM
import DICOMNetwork
import Foundation
import Gateway
import Logging
import Metrics
import NIOCore
import PostgresClient
import Storage
import TestSupport

/// A receiver on port 0 over a fresh database and a temporary storage root, for one test.
struct GatewayHarness: Sendable {
    let databaseURL: String
    let pool: PostgresPool
    let layout: StorageLayout
    let port: Int

    static func logger() -> Logger {
        var logger = Logger(label: "test.gateway")
        logger.logLevel = .critical
        return logger
    }

    static func temporaryDirectory(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func serverConfiguration() -> DICOMServer.Configuration {
        DICOMServer.Configuration(
            host: "127.0.0.1", port: 0, tlsPort: nil, tls: nil,
            policy: AcceptancePolicy(
                aeTitle: "GATEWAY", abstractSyntaxes: Set(SOPClass.allStorage.map(\.uid)), maxPDULength: 65536),
            maxAssociations: 8,
            timeouts: AssociationTimeouts(artim: .seconds(5), acse: .seconds(5), dimse: .seconds(20), idle: .seconds(20)))
    }

    /// Runs `body` with a receiver (policy `policy`) over a fresh migrated database and a new root
    /// (or `root` when given).
    static func with<R: Sendable>(
        policy: DuplicatePolicy = .keepFirst,
        root: String? = nil,
        databaseURL: String? = nil,
        metricsFactory: (any MetricsFactory)? = nil,
        _ body: @Sendable (GatewayHarness) async throws -> R
    ) async throws -> R {
        // A root the layout creates itself, so it gets the layout's mode (0750).
        let parent = try root == nil ? temporaryDirectory("gw-root") : nil
        let rootPath = root ?? parent?.appendingPathComponent("root").path ?? ""
        defer { if let parent { try? FileManager.default.removeItem(at: parent) } }
        if let databaseURL {
            return try await run(url: databaseURL, policy: policy, root: rootPath, metricsFactory: metricsFactory, body)
        }
        return try await TestDatabase.withFresh(migrations: TestDatabase.repositoryMigrations) { database in
            try await run(url: database.url, policy: policy, root: rootPath, metricsFactory: metricsFactory, body)
        }
    }

    private static func run<R: Sendable>(
        url: String, policy: DuplicatePolicy, root: String, metricsFactory: (any MetricsFactory)?,
        _ body: @Sendable (GatewayHarness) async throws -> R
    ) async throws -> R {
        let layout = StorageLayout(root: root)
        try layout.prepare()
        let pool = PostgresPool(
            configuration: .init(url: url, maxConnections: 4, connectTimeout: .seconds(2), acquireTimeout: .seconds(2)),
            logger: logger())
        let receiver = ReceiveService(
            configuration: .init(duplicatePolicy: policy), layout: layout, pool: pool, metricsFactory: metricsFactory,
            logger: logger())
        let server = DICOMServer(configuration: serverConfiguration(), handler: receiver, logger: logger())
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                try await pool.run()
                return nil
            }
            group.addTask {
                try await server.run()
                return nil
            }
            let ports = try await server.listeningPorts()
            let harness = GatewayHarness(
                databaseURL: url, pool: pool, layout: layout, port: ports.plain ?? 0)
            do {
                let result = try await body(harness)
                group.cancelAll()
                await pool.shutdown()
                return result
            } catch {
                group.cancelAll()
                await pool.shutdown()
                throw error
            }
        }
    }
}
