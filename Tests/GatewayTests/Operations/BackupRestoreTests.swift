import Foundation
import Gateway
import PostgresClient
import Testing
import TestSupport

/// backup.sh → drop everything → restore.sh → storage verify clean → the gateway receives
/// (storescu) and forwards (to storescp) again, all with the built binary and real peers.
@Suite("Backup and restore", .requiresDatabase)
struct BackupRestoreTests {
    @Test("a backup restored into a fresh database and root gives a working gateway")
    func roundTrip() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let scp = try StoreSCPPeer(directory: work.appendingPathComponent("scp"))
        try await scp.start()
        // Killed when it goes out of scope (StoreSCPPeer.deinit).
        let scripts = PackageRoot.url.appendingPathComponent("scripts")
        let environment = ["DICOM_GW_BIN": PackageRoot.gatewayBinary, "DICOM_GW_VERSION": "test"]

        try await TestDatabase.withFresh(migrations: TestDatabase.repositoryMigrations) { source in
            // The installation to back up: configuration with TLS material, a destination, a route.
            let configA = work.appendingPathComponent("etc-a")
            let rootA = work.appendingPathComponent("root-a").path
            try Self.writeConfiguration(into: configA)
            try await source.withPool { pool in
                var destination = Destination(name: "scp", aeTitle: "STORESCP", host: "127.0.0.1", port: scp.port)
                destination.retryInitialDelay = 0.5
                _ = try await DestinationStore(pool: pool).save(destination, actor: .user("test"))
                try await RouteStore(pool: pool).save(Route(name: "all", destinations: ["scp"]), actor: .user("test"))
            }
            let first = try InstanceFactory.write(count: 3, into: work.appendingPathComponent("first"))
            try await Self.withGateway(databaseURL: source.url, root: rootA, log: work.appendingPathComponent("a.log")) { port in
                let sent = try await Tool.storescu(port: port, files: first.map(\.url.path))
                #expect(sent.status == 0, "\(sent.stderr)")
                try await Self.waitDelivered(3, url: source.url, scp: scp)
            }

            // Back up.
            let backup = work.appendingPathComponent("backup")
            let made = try await Tool.run(scripts.appendingPathComponent("backup.sh").path, [
                "--output", backup.path, "--database-url", source.url, "--config-dir", configA.path,
                "--root", rootA, "--with-storage",
            ], environment: environment)
            #expect(made.status == 0, "\(made.stdout)\n\(made.stderr)")
            let manifest = try String(contentsOf: backup.appendingPathComponent("MANIFEST"), encoding: .utf8)
            #expect(manifest.hasPrefix("dicom-gw-backup 1\n"))
            #expect(manifest.contains("\nschema_version \(GatewaySchema.requiredVersion)\n"))
            #expect(manifest.contains("\ngateway_version test\n"))
            for file in ["dicom_gw.dump", "config.tar.gz", "storage.tar", "MANIFEST"] {
                let attributes = try FileManager.default.attributesOfItem(atPath: backup.appendingPathComponent(file).path)
                #expect(attributes[.posixPermissions] as? Int == 0o600, "\(file)")
                if file != "MANIFEST" { #expect(manifest.contains(" \(file)\n"), "\(file) not in the manifest") }
            }
            let refused = try await Tool.run(scripts.appendingPathComponent("backup.sh").path, [
                "--output", backup.path, "--database-url", source.url, "--config-dir", configA.path, "--root", rootA,
            ], environment: environment)
            #expect(refused.status != 0 && refused.stderr.contains("not empty"))

            // Drop everything: the tree, the configuration, and the database's schema.
            try FileManager.default.removeItem(atPath: rootA)
            try FileManager.default.removeItem(at: configA)
            try await source.withPool { pool in _ = try await pool.execute("DROP SCHEMA dicom_gw CASCADE") }

            try await TestDatabase.withFresh { target in
                let configB = work.appendingPathComponent("etc-b")
                let rootB = work.appendingPathComponent("root-b").path
                let restoreArguments = ["--input", backup.path, "--database-url", target.url, "--config-dir", configB.path, "--root", rootB]

                // A corrupted copy is refused before anything is touched.
                let corrupt = work.appendingPathComponent("corrupt")
                try FileManager.default.copyItem(at: backup, to: corrupt)
                let tarball = corrupt.appendingPathComponent("config.tar.gz")
                var bytes = try Data(contentsOf: tarball)
                bytes[bytes.count / 2] ^= 0xFF
                try bytes.write(to: tarball)
                let tampered = try await Tool.run(scripts.appendingPathComponent("restore.sh").path,
                                                  ["--input", corrupt.path] + restoreArguments.dropFirst(2), environment: environment)
                #expect(tampered.status != 0 && tampered.stderr.contains("does not match the manifest"), "\(tampered.stderr)")
                #expect(!FileManager.default.fileExists(atPath: rootB))

                let restored = try await Tool.run(scripts.appendingPathComponent("restore.sh").path, restoreArguments, environment: environment)
                #expect(restored.status == 0, "\(restored.stdout)\n\(restored.stderr)")
                #expect(restored.stdout.contains("the tree and the database agree"))

                // Again without --force: refused, nothing changed.
                let again = try await Tool.run(scripts.appendingPathComponent("restore.sh").path, restoreArguments, environment: environment)
                #expect(again.status != 0 && again.stderr.contains("already has a dicom_gw schema"), "\(again.stderr)")
                // With --force: the schema is replaced and the existing tree moved aside.
                let forced = try await Tool.run(scripts.appendingPathComponent("restore.sh").path, restoreArguments + ["--force"],
                                                environment: environment)
                #expect(forced.status == 0, "\(forced.stdout)\n\(forced.stderr)")
                let aside = try FileManager.default.contentsOfDirectory(atPath: rootB).filter { $0.hasPrefix("pre-restore-") }
                #expect(aside.count == 1)
                #expect(FileManager.default.fileExists(atPath: "\(rootB)/\(aside.first ?? "")/storage/studies"))

                // storage verify, on its own: clean.
                let verify = try await Tool.run(PackageRoot.gatewayBinary, [
                    "storage", "verify", "--checksums", "--database-url", target.url, "--storage-root", rootB,
                ])
                #expect(verify.status == 0, "\(verify.stdout)\n\(verify.stderr)")
                #expect(verify.stdout.contains("3 file(s), 3 row(s) checked; 0 drift(s) found"))

                // The configuration and its TLS material came back, modes kept.
                let key = configB.appendingPathComponent("tls/server.key")
                #expect(try String(contentsOf: key, encoding: .utf8) == Self.keyText)
                #expect(try FileManager.default.attributesOfItem(atPath: key.path)[.posixPermissions] as? Int == 0o600)
                #expect(FileManager.default.fileExists(atPath: configB.appendingPathComponent("dicom-gw.yaml").path))

                // The restored gateway receives and forwards again (same destination and route).
                let second = try InstanceFactory.write(count: 2, into: work.appendingPathComponent("second"))
                try await Self.withGateway(databaseURL: target.url, root: rootB, log: work.appendingPathComponent("b.log")) { port in
                    let sent = try await Tool.storescu(port: port, files: second.map(\.url.path))
                    #expect(sent.status == 0, "\(sent.stderr)")
                    #expect(Tool.acknowledged(in: sent.stderr).count == 2)
                    try await Self.waitDelivered(5, url: target.url, scp: scp)
                }
            }
        }
    }

    static let keyText = "-----BEGIN PRIVATE KEY-----\nnot a real key\n-----END PRIVATE KEY-----\n"

    static func writeConfiguration(into directory: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: directory.appendingPathComponent("tls"), withIntermediateDirectories: true)
        try Data("dicom:\n  ae_title: GATEWAY\n".utf8).write(to: directory.appendingPathComponent("dicom-gw.yaml"))
        let key = directory.appendingPathComponent("tls/server.key")
        try Data(keyText.utf8).write(to: key)
        try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key.path)
    }

    /// Runs `dicom-gw serve` (receiver, admin API on a free port, in-process workers) around `body`.
    static func withGateway(databaseURL: String, root: String, log: URL, _ body: (Int) async throws -> Void) async throws {
        let port = try PackageRoot.freePort()
        let admin = try PackageRoot.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PackageRoot.gatewayBinary)
        process.arguments = [
            "serve", "--database-url", databaseURL, "--storage-root", root, "--port", "\(port)", "--ae-title", "GATEWAY",
            "--host", "127.0.0.1", "--admin-listen", "127.0.0.1:\(admin)", "--log-level", "notice",
        ]
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
            process.waitUntilExit()
        }
        var listening = false
        for _ in 0..<300 where !listening {
            listening = GatewayProcess.accepts(port)
            if !listening {
                guard process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        guard listening else {
            throw TestFailure("dicom-gw serve did not listen: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }
        try await body(port)
    }

    /// Waits until `count` deliveries are delivered and storescp holds `count` files.
    static func waitDelivered(_ count: Int, url: String, scp: StoreSCPPeer) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        var delivered = 0
        let connection = try await PostgresConnection.connect(url: url, logger: TestDatabase.logger)
        do {
            while ContinuousClock.now < deadline {
                delivered = Int(try await connection.query(
                    "SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered' AND settled").first?.decode(Int64.self, at: 0) ?? 0)
                if delivered >= count, scp.files.count >= count { break }
                try await Task.sleep(for: .milliseconds(200))
            }
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        #expect(delivered == count)
        #expect(scp.files.count == count)
    }
}
