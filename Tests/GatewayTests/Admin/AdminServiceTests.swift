import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresClient
import Prometheus
import ServiceLifecycle
import TestSupport
import Testing

@Suite("Admin server and sealer as running services", .requiresDatabase)
struct AdminServiceTests {
    @Test("over a real socket (port 0) the login is audited with the peer's address")
    func liveServer() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            var configuration = AdminServer.Configuration()
            configuration.port = 0
            let server = AdminServer(configuration: configuration, services: app.services)
            try await server.makeApplication().test(.live) { client in
                #expect(try await client.send(.get, "/healthz").status == .ok)
                let login = try await client.send(
                    .post, "/api/v1/auth/login", json: #"{"username":"admin","password":"\#(AdminTestApp.password)"}"#)
                #expect(login.status == .ok)
            }
            let events = try await app.services.auditQuery.list(AuditFilter(action: AuditAction.loginSucceeded), limit: 1)
            #expect(events.first?.actorAddress == "127.0.0.1")
        }
    }

    @Test("the sealer service seals new events until shut down")
    func sealerService() async throws {
        try await AdminTestDatabase.with { pool in
            var configuration = AuditSealer.Configuration()
            configuration.interval = .milliseconds(50)
            let sealer = AuditSealer(pool: pool, configuration: configuration, logger: Logger(label: "test"))
            let log = AuditLog(pool: pool)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await sealer.run() }
                for i in 0..<5 { try await log.record(AuditEvent(actor: .system("test"), action: "test.event", objectID: "\(i)")) }
                var sealed = false
                for _ in 0..<100 where !sealed {
                    try await Task.sleep(for: .milliseconds(50))
                    let rows = try await pool.query("SELECT count(*) AS n FROM dicom_gw.audit_events WHERE chain_seq IS NULL")
                    sealed = try rows.first?.decode(Int64.self, column: "n") == 0
                }
                #expect(sealed)
                group.cancelAll()
            }
            #expect(try await AuditVerifier(pool: pool).verify().verifiedEvents == 5)
        }
    }

    @Test("concurrent sealers never fork the chain")
    func concurrentSealers() async throws {
        try await AdminTestDatabase.with { pool in
            let log = AuditLog(pool: pool)
            var configuration = AuditSealer.Configuration()
            configuration.batchSize = 3
            let sealers = (0..<3).map { _ in AuditSealer(pool: pool, configuration: configuration, logger: Logger(label: "test")) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for i in 0..<40 { try await log.record(AuditEvent(actor: .system("test"), action: "test.event", objectID: "\(i)")) }
                }
                for sealer in sealers {
                    group.addTask { for _ in 0..<20 { try await sealer.sealPending() } }
                }
                try await group.waitForAll()
            }
            try await sealers[0].sealPending()
            let result = try await AuditVerifier(pool: pool).verify()
            #expect(result.isIntact)
            #expect(result.verifiedEvents == 40)
            #expect(result.unsealedEvents == 0)
        }
    }

    @Test("HTTPS configuration loads the certificate and key")
    func httpsConfiguration() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-https-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("admin.crt").path
        let key = directory.appendingPathComponent("admin.key").path
        try TestCertificates.make(certificate: certificate, key: key, days: 10)
        var admin = GatewayConfiguration.Admin()
        admin.listen = "127.0.0.1:0"
        admin.tlsCertificateFile = certificate
        admin.tlsKeyFile = key
        let configuration = try AdminServer.Configuration(admin)
        #expect(configuration.tlsEnabled)
        let pool = PostgresPool(configuration: .init(url: "postgresql://127.0.0.1:1/none"), logger: Logger(label: "test"))
        let services = AdminServices(pool: pool, metricsRegistry: .init(), logger: Logger(label: "test"))
        _ = try AdminServer(configuration: configuration, services: services).makeApplication()
        var broken = configuration
        broken.tlsKeyPath = certificate
        #expect(throws: (any Error).self) { _ = try AdminServer(configuration: broken, services: services).makeApplication() }
        await pool.shutdown()
    }
}
