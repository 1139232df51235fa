import DICOM
import DICOMNetwork
import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JobQueue
import Logging
import Metrics
import NIOCore
import NIOPosix
import PostgresClient
import Prometheus
import Storage
import TestSupport
import Testing

/// The admin API against a real DICOM listener: a certificate uploaded through the API
/// serves the next TLS association, and `/metrics` reflects real receive and queue traffic.
@Suite("Admin API with a live DICOM listener", .requiresDatabase)
struct LiveListenerTests {
    static func logger() -> Logger {
        var logger = Logger(label: "test.live")
        logger.logLevel = .critical
        return logger
    }

    static func policy() -> AcceptancePolicy {
        AcceptancePolicy(aeTitle: "GATEWAY", abstractSyntaxes: Set(SOPClass.allStorage.map(\.uid)), maxPDULength: 65536)
    }

    static let timeouts = AssociationTimeouts(artim: .seconds(5), acse: .seconds(5), dimse: .seconds(10), idle: .seconds(10))

    /// C-ECHO over TLS, trusting only `trustedCertificate`: succeeds exactly when the listener
    /// presents that (self-signed) certificate.
    static func echo(port: Int, trusting trustedCertificate: String) async -> Bool {
        let client = DICOMClient(
            configuration: .init(
                callingAETitle: "TESTSCU", calledAETitle: "GATEWAY", timeouts: timeouts, connectTimeout: .seconds(5),
                tls: TLSSettings(trustRootsPath: trustedCertificate)),
            logger: logger())
        do {
            let status = try await client.withAssociation(
                host: "127.0.0.1", port: port,
                contexts: [.init(abstractSyntax: NetworkUID.verificationSOPClass, transferSyntaxes: [NetworkUID.implicitVRLittleEndian])]
            ) { try await $0.echo() }
            return status == .success
        } catch {
            return false
        }
    }

    /// Runs `server` for the duration of `body`.
    static func serving<T: Sendable>(_ server: DICOMServer, _ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            do {
                let value = try await body()
                group.cancelAll()
                return value
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    @Test("a certificate uploaded through the API serves the next TLS association, without a restart")
    func tlsReload() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-tls-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = try TLSUploadTests.make(in: directory, name: "old", days: 30)
        let new = try TLSUploadTests.make(in: directory, name: "new", days: 60)
        let other = try TLSUploadTests.make(in: directory, name: "other", days: 60)
        let oldFile = directory.appendingPathComponent("old.crt").path
        let newFile = directory.appendingPathComponent("new.crt").path
        let paths = TLSMaterialStore.Paths(
            certificate: directory.appendingPathComponent("server.pem").path,
            key: directory.appendingPathComponent("server.key").path, ca: nil)
        try old.certificate.write(toFile: paths.certificate, atomically: true, encoding: .utf8)
        try old.key.write(toFile: paths.key, atomically: true, encoding: .utf8)

        let settings = TLSSettings(certificateChainPath: paths.certificate, privateKeyPath: paths.key)
        let provider = try TLSContextProvider(settings: settings)
        var configuration = DICOMServer.Configuration(
            host: "127.0.0.1", port: nil, tlsPort: 0, tls: settings, policy: Self.policy(), maxAssociations: 4, timeouts: Self.timeouts)
        configuration.tlsContextProvider = provider
        let server = DICOMServer(configuration: configuration, handler: RefusingHandler(), logger: Self.logger())
        let store = TLSMaterialStore(paths: paths) {
            try await NIOThreadPool.singleton.runIfActive { try provider.reload(settings) }
        }

        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await Self.serving(server) {
                let port = try #require(try await server.listeningPorts().tls)
                #expect(await Self.echo(port: port, trusting: oldFile))
                #expect(!(await Self.echo(port: port, trusting: newFile)), "a client trusting only the new certificate is refused")

                try await AdminServer(services: app.services, tlsStore: store).makeApplication().test(.router) { client in
                    let mismatch = try await client.send(
                        .put, "/api/v1/tls", headers: app.auth(.admin), json: try TLSUploadTests.json(new.certificate, other.key))
                    #expect(mismatch.status == .unprocessableContent)
                    #expect(await Self.echo(port: port, trusting: oldFile), "a refused upload changes nothing")

                    let installed = try await client.send(
                        .put, "/api/v1/tls", headers: app.auth(.admin), json: try TLSUploadTests.json(new.certificate, new.key))
                    #expect(installed.status == .ok, "\(installed.text)")
                }
                #expect(await Self.echo(port: port, trusting: newFile), "the next association presents the uploaded certificate")
                #expect(!(await Self.echo(port: port, trusting: oldFile)))
                // DCMTK (built with OpenSSL) sees the same: anonymous TLS, verifying the peer.
                let dcmtk = { (trusted: String) in
                    try await Tool.run("/usr/bin/echoscu", ["+tla", "+cf", trusted, "-aec", "GATEWAY", "127.0.0.1", String(port)], timeout: 30)
                }
                let trustingNew = try await dcmtk(newFile)
                #expect(trustingNew.status == 0, "\(trustingNew.stderr)")
                #expect(try await dcmtk(oldFile).status != 0)
            }
            for path in [paths.certificate, paths.key] {
                #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o640)
            }
        }
    }

    @Test("metrics after an echo, a store and queue traffic: pool, disk, certificate, queue, pause, rescues, C-STORE")
    func metricsAfterTraffic() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("server.pem").path
        try TestCertificates.make(certificate: certificate, key: directory.appendingPathComponent("server.key").path, days: 10)
        let layout = StorageLayout(root: directory.appendingPathComponent("root").path)
        try layout.prepare()

        try await AdminTestDatabase.with { setupPool in
            let app = try await AdminTestApp.make(pool: setupPool)
            let factory = GatewayMetrics.makeFactory(registry: app.registry)
            // A pool of two, so concurrent callers have to wait for a connection.
            let pool = PostgresPool(
                configuration: .init(url: setupPool.configuration.url, maxConnections: 2), logger: Self.logger())
            do {
                try await Self.traffic(app: app, pool: pool, layout: layout, certificate: certificate, factory: factory)
                await pool.shutdown()
            } catch {
                await pool.shutdown()
                throw error
            }
        }
    }

    static func traffic(
        app: AdminTestApp, pool: PostgresPool, layout: StorageLayout, certificate: String, factory: any MetricsFactory
    ) async throws {
        let queue = JobQueue(pool: pool, logger: Self.logger())
        let pacs = try await DestinationStore(pool: pool).save(
            Destination(name: "pacs", aeTitle: "PACS", host: "127.0.0.1", port: 1), actor: .user("test"))
        try await RouteStore(pool: pool).save(Route(name: "all", destinations: ["pacs"]), actor: .user("test"))

        let receiver = ReceiveService(
            configuration: .init(), layout: layout, pool: pool, hooks: ForwardHooks(queue: queue), metricsFactory: factory, logger: Self.logger())
        let server = DICOMServer(
            configuration: .init(host: "127.0.0.1", port: 0, policy: Self.policy(), maxAssociations: 4, timeouts: Self.timeouts),
            handler: receiver,
            observer: AssociationRecorder(pool: pool, logger: Self.logger(), factory: factory), logger: Self.logger())
        try await Self.serving(server) {
            let port = try #require(try await server.listeningPorts().plain)
            let client = DICOMClient(
                configuration: .init(callingAETitle: "TESTSCU", calledAETitle: "GATEWAY", timeouts: Self.timeouts),
                logger: Self.logger())
            let echo = try await client.withAssociation(
                host: "127.0.0.1", port: port,
                contexts: [.init(abstractSyntax: NetworkUID.verificationSOPClass, transferSyntaxes: [NetworkUID.implicitVRLittleEndian])]
            ) { try await $0.echo() }
            #expect(echo == .success)
            let outcomes = try await TestSCU.store(
                port: port,
                [("1.2.826.0.1.99.3.1", InstanceFactory.dataSet(study: "1.2.826.0.1.99.1", series: "1.2.826.0.1.99.2",
                                                                 sop: "1.2.826.0.1.99.3.1", number: 1, pixelBytes: 64))])
            #expect(outcomes.count == 1)
            let wrongAE = DICOMClient(
                configuration: .init(callingAETitle: "STRANGER", calledAETitle: "NOT_US", timeouts: Self.timeouts),
                logger: Self.logger())
            await #expect(throws: (any Error).self) {
                try await wrongAE.withAssociation(
                    host: "127.0.0.1", port: port,
                    contexts: [.init(abstractSyntax: NetworkUID.verificationSOPClass, transferSyntaxes: [NetworkUID.implicitVRLittleEndian])]
                ) { try await $0.echo() }
            }
        }
        // Associations are audited off the association's task: wait for the three events.
        var audited: [(String, String, String)] = []
        for _ in 0..<100 {
            audited = try await pool.query(
                "SELECT action, actor, outcome FROM dicom_gw.audit_events WHERE action LIKE 'association.%' ORDER BY id"
            ).map { (try $0.decode(String.self, column: "action"), try $0.decode(String.self, column: "actor"), try $0.decode(String.self, column: "outcome")) }
            if audited.count >= 3 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(audited.filter { $0.0 == "association.accepted" && $0.1 == "TESTSCU" && $0.2 == "success" }.count == 2)
        #expect(audited.filter { $0.0 == "association.rejected" && $0.1 == "STRANGER" && $0.2 == "failure" }.count == 1)

        // A rescue and a stale completion: a claim whose lease runs out, then its late report.
        let worker = try await queue.registerWorker(name: "test", host: "localhost", pid: 1, queues: [ForwardHooks.queueName])
        let claimed = try await queue.claim(queue: ForwardHooks.queueName, worker: worker, limit: 1, lease: .milliseconds(1))
        #expect(claimed.count == 1, "the store made a forward job")
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await queue.rescue(silence: .seconds(3600)).count == 1)
        #expect(try await queue.complete(claimed.map(\.lease)).count == 1, "the late report is stale")
        try await DestinationStore(pool: pool).setPaused(pacs, true, actor: .user("test"))
        // Six callers on two connections: some wait.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 { group.addTask { _ = try await pool.execute("SELECT pg_sleep(0.05)") } }
            try await group.waitForAll()
        }

        var gauges = ResourceGauges(storageRoot: layout.root, certificatePaths: [certificate], factory: factory)
        gauges.additionalSamplers = OperationalGauges(pool: pool, queue: queue).samplers
        let text = try await AdminServer(services: app.services, resourceGauges: gauges).makeApplication().test(.router) { client in
            try await client.send(.get, "/metrics").text
        }
        func value(_ prefix: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        #expect(value(#"dicom_gw_cstore_responses_total{status="0000"}"#) == 1)
        #expect(value("dicom_gw_objects_received_total") == 1)
        #expect(value(#"dicom_gw_associations_total{outcome="accepted",reason=""}"#) == 2)
        #expect(value(#"dicom_gw_associations_total{outcome="rejected",reason="called_ae"}"#) == 1)
        #expect(value("dicom_gw_associations_open") == 0)
        #expect(text.contains("dicom_gw_store_duration_seconds_bucket"))
        #expect(value(#"dicom_gw_queue_depth{destination="pacs"}"#) == 1)
        #expect((value(#"dicom_gw_queue_oldest_wait_seconds{destination="pacs"}"#) ?? -1) >= 0)
        #expect(value(#"dicom_gw_destination_paused{destination="pacs"}"#) == 1)
        #expect(value("dicom_gw_job_rescues_total") == 1)
        #expect(value("dicom_gw_job_stale_completions_total") == 1)
        #expect(value("dicom_gw_db_pool_connections_in_use") == 0)
        #expect((value("dicom_gw_db_pool_waits_total") ?? 0) >= 1)
        #expect((value("dicom_gw_storage_free_bytes") ?? 0) > 0)
        let days = text.split(separator: "\n").first { $0.hasPrefix("dicom_gw_tls_certificate_days_to_expiry{") }
            .flatMap { Double($0.split(separator: " ").last ?? "") }
        #expect(days.map { $0 > 9 && $0 <= 10 } == true)
    }
}

/// A store handler for listeners that only answer C-ECHO in a test.
struct RefusingHandler: StoreHandler {
    func store(_ request: StoreRequest, dataSet: DataSetStream) async -> StoreResult {
        .failure(.init(rawValue: 0xA700), "not stored in this test")
    }
}
