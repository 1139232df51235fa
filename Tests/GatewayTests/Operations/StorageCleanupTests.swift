import Foundation
import Gateway
import PostgresClient
import Storage
import Testing
import TestSupport

/// `dicom-gw storage cleanup` on objects received for real, then aged: exactly the expired
/// files go, each with its row and an audit event; a dry run changes nothing; nothing in
/// storage/studies or with a live job is touched; verify finds no drift afterwards.
@Suite("Storage cleanup", .requiresDatabase)
struct StorageCleanupTests {
    /// What the seeded tree holds, by role in the test.
    struct Seeded {
        var ids: [String: Int64] = [:]
        var paths: [String: String] = [:]
        /// Paths (relative) expected to go, and those expected to stay.
        var expired: Set<String> = []
        var kept: Set<String> = []
    }

    @Test("aged files go with their rows, audited; --dry-run lists them and removes nothing")
    func retention() async throws {
        try await ForwardHarness.run(workers: 0) { gw in
            let seeded = try await Self.seed(gw)

            // Dry run: the list is exactly the expired set; nothing changes.
            let logger = TestDatabase.logger
            let dry = try await StorageCleanup(
                configuration: .init(dryRun: true), layout: gw.layout, pool: gw.pool, logger: logger
            ).run()
            #expect(Set(dry.entries.map(\.path)) == seeded.expired)
            #expect(dry.entries.allSatisfy { !$0.removed })
            #expect(dry.rowsUpdated == 0)
            for path in seeded.expired.union(seeded.kept) {
                #expect(FileManager.default.fileExists(atPath: gw.layout.absolute(path)), "dry run removed \(path)")
            }
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.instances WHERE storage_state = 'deleted'") == 0)
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.audit_events WHERE action = 'storage.cleanup'") == 0)
            let forwardedEntry = try #require(dry.entries.first { $0.sopInstanceUID != nil && $0.area == "forwarded" })
            #expect(forwardedEntry.ageDays > 399 && forwardedEntry.ageDays < 401)

            // The real run.
            let report = try await StorageCleanup(
                configuration: .init(), layout: gw.layout, pool: gw.pool, logger: logger
            ).run()
            #expect(Set(report.entries.map(\.path)) == seeded.expired)
            #expect(report.failures == 0)
            #expect(report.removedFiles == seeded.expired.count)
            #expect(report.rowsUpdated == 2)
            for path in seeded.expired {
                #expect(!FileManager.default.fileExists(atPath: gw.layout.absolute(path)), "\(path) still there")
            }
            for path in seeded.kept {
                #expect(FileManager.default.fileExists(atPath: gw.layout.absolute(path)), "\(path) removed")
            }
            // Rows: the two expired instances are 'deleted', every other keeps its state and path.
            let states = try await gw.pool.query("SELECT sop_instance_uid::text AS sop, storage_state::text AS state, file_path FROM dicom_gw.instances")
            var byRole: [String: (state: String, path: String)] = [:]
            for row in states {
                byRole[try row.decode(String.self, column: "sop")] = (try row.decode(String.self, column: "state"), try row.decode(String.self, column: "file_path"))
            }
            #expect(byRole[seeded.paths["sop.oldForwarded"] ?? ""]?.state == "deleted")
            #expect(byRole[seeded.paths["sop.oldFailed"] ?? ""]?.state == "deleted")
            #expect(byRole[seeded.paths["sop.youngForwarded"] ?? ""]?.state == "forwarded")
            #expect(byRole[seeded.paths["sop.liveJob"] ?? ""]?.state == "failed")
            #expect(byRole[seeded.paths["sop.pendingDelivery"] ?? ""]?.state == "forwarded")
            #expect(byRole[seeded.paths["sop.oldStored"] ?? ""]?.state == "stored")
            // One audit event per deletion, by the system's retention actor.
            let audits = try await gw.pool.query("""
                SELECT actor_type, actor, object_type, details ->> 'file_path' AS path
                FROM dicom_gw.audit_events WHERE action = 'storage.cleanup'
                """)
            #expect(audits.count == seeded.expired.count)
            #expect(try Set(audits.map { try $0.decode(String.self, column: "path") }) == seeded.expired)
            #expect(try audits.allSatisfy { try $0.decode(String.self, column: "actor_type") == "system" })
            #expect(try audits.filter { try $0.decode(String.self, column: "object_type") == "instance" }.count == 2)
            // Nothing left aside, and the tree and the rows agree.
            let parked = (try? FileManager.default.contentsOfDirectory(atPath: gw.layout.absolute(StorageCleanup.trash))) ?? []
            #expect(parked.isEmpty)
            let verify = try await StorageVerifier(configuration: .init(), layout: gw.layout, pool: gw.pool).run()
            #expect(verify.remaining == 0, "\(verify.drifts)")

            // A second run finds nothing more.
            let again = try await StorageCleanup(configuration: .init(), layout: gw.layout, pool: gw.pool, logger: logger).run()
            #expect(again.entries.isEmpty)
        }
    }

    @Test("a file parked by an interrupted run is put back when its row is live, removed when deleted")
    func recovery() async throws {
        try await ForwardHarness.run(workers: 0) { gw in
            let seeded = try await Self.seed(gw)
            let trash = gw.layout.absolute(StorageCleanup.trash)
            try FileManager.default.createDirectory(atPath: trash, withIntermediateDirectories: true)
            // Interrupted before its commit: the row still says forwarded, the file is parked.
            let youngPath = try #require(seeded.paths["youngForwarded"])
            let youngID = try #require(seeded.ids["youngForwarded"])
            try FileManager.default.moveItem(atPath: gw.layout.absolute(youngPath), toPath: "\(trash)/\(youngID).dcm")
            // Interrupted after its commit: the row says deleted, the file is parked.
            let oldID = try #require(seeded.ids["oldForwarded"])
            let oldPath = try #require(seeded.paths["oldForwarded"])
            _ = try await gw.pool.execute("UPDATE dicom_gw.instances SET storage_state = 'deleted' WHERE id = $1", [oldID])
            try FileManager.default.moveItem(atPath: gw.layout.absolute(oldPath), toPath: "\(trash)/\(oldID).dcm")

            let report = try await StorageCleanup(
                configuration: .init(tmpDays: 30, failedDays: 1000, forwardedDays: 1000), layout: gw.layout, pool: gw.pool,
                logger: TestDatabase.logger
            ).run()
            #expect(report.recovered == 2)
            #expect(FileManager.default.fileExists(atPath: gw.layout.absolute(youngPath)))
            #expect(!FileManager.default.fileExists(atPath: gw.layout.absolute(oldPath)))
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: trash)) ?? []).isEmpty)
        }
    }

    @Test("cleanup-storage.sh: --dry-run --json lists, the configured retention applies, then it removes")
    func script() async throws {
        try await ForwardHarness.run(workers: 0) { gw in
            let seeded = try await Self.seed(gw)
            let binary = PackageRoot.gatewayBinary
            let script = PackageRoot.url.appendingPathComponent("scripts/cleanup-storage.sh").path
            let databaseURL = try await Self.databaseURL(of: gw)
            let environment = [
                "DICOM_GW_BIN": binary, "DICOM_GW_DATABASE_URL": databaseURL, "DICOM_GW_CONFIG": "/nonexistent/dicom-gw.yaml",
            ]
            let dry = try await Tool.run(script, ["--root", gw.layout.root, "--dry-run", "--json"], environment: environment)
            #expect(dry.status == 0, "\(dry.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(dry.stdout.utf8)) as? [String: Any])
            let entries = try #require(object["entries"] as? [[String: Any]])
            #expect(Set(entries.compactMap { $0["path"] as? String }) == seeded.expired)
            #expect(object["dry_run"] as? Bool == true)
            for path in seeded.expired {
                #expect(FileManager.default.fileExists(atPath: gw.layout.absolute(path)))
            }

            // The configured retention (environment here, as dicom-gw.env sets it) wins over the
            // defaults: with 30 days for tmp/, the 10-day-old temporary files are not listed.
            var longer = environment
            longer["DICOM_GW_RETENTION_TMP_DAYS"] = "30"
            let configured = try await Tool.run(script, ["--root", gw.layout.root, "--dry-run"], environment: longer)
            #expect(configured.status == 0, "\(configured.stderr)")
            #expect(!configured.stdout.contains("tmp/old.bin"))
            #expect(configured.stdout.contains(try #require(seeded.paths["oldForwarded"])))
            #expect(configured.stdout.contains("retention: tmp 30, failed 90, forwarded 365 days"))

            let real = try await Tool.run(script, ["--root", gw.layout.root], environment: environment)
            #expect(real.status == 0, "\(real.stdout) \(real.stderr)")
            for path in seeded.expired {
                #expect(!FileManager.default.fileExists(atPath: gw.layout.absolute(path)), "\(path)")
            }
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.instances WHERE storage_state = 'deleted'") == 2)

            let bad = try await Tool.run(script, ["--root", gw.layout.root, "--tmp-days", "0"], environment: environment)
            #expect(bad.status == 2)
        }
    }

    // MARK: Seeding

    /// Receives six objects for real (storescu), then places and ages them:
    /// oldForwarded (400 days in forwarded/, expired), youngForwarded (100 days, kept),
    /// oldFailed (100 days in failed/, expired), liveJob (400 days in failed/ with a live job,
    /// kept), pendingDelivery (400 days in forwarded/ with a pending delivery, kept), oldStored
    /// (1000 days in storage/studies/, kept); temporary files old and new, and a quarantined file.
    static func seed(_ gw: ForwardHarness) async throws -> Seeded {
        let roles = ["oldForwarded", "youngForwarded", "oldFailed", "liveJob", "pendingDelivery", "oldStored"]
        let made = try InstanceFactory.write(count: roles.count, into: gw.root.appendingPathComponent("source"))
        try await gw.send(made.map(\.url))
        var seeded = Seeded()
        let fm = FileManager.default
        for (role, instance) in zip(roles, made) {
            let rows = try await gw.pool.query(
                "SELECT id, file_path FROM dicom_gw.instances WHERE sop_instance_uid = $1", [instance.sop])
            let row = try #require(rows.first, "\(role) was not stored")
            let id = try row.decode(Int64.self, column: "id")
            var path = try row.decode(String.self, column: "file_path")
            let area: StorageArea? = switch role {
            case "oldForwarded", "youngForwarded", "pendingDelivery": .forwarded
            case "oldFailed", "liveJob": .failed
            default: nil
            }
            let days = ["oldForwarded": 400, "youngForwarded": 100, "oldFailed": 100, "liveJob": 400, "pendingDelivery": 400, "oldStored": 1000][role] ?? 0
            if let area {
                let target = try StorageLayout.relativePath(of: InstanceUIDs(study: instance.study, series: instance.series, sop: instance.sop), in: area)
                let parent = (gw.layout.absolute(target) as NSString).deletingLastPathComponent
                try fm.createDirectory(atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
                try fm.setAttributes([.posixPermissions: 0o750], ofItemAtPath: parent)
                try fm.setAttributes([.posixPermissions: 0o750], ofItemAtPath: (parent as NSString).deletingLastPathComponent)
                try fm.moveItem(atPath: gw.layout.absolute(path), toPath: gw.layout.absolute(target))
                path = target
            }
            _ = try await gw.pool.execute("""
                UPDATE dicom_gw.instances SET storage_state = $2::text::dicom_gw.storage_state, file_path = $3,
                       received_at = now() - make_interval(days => $4::int), updated_at = now() - make_interval(days => $4::int)
                WHERE id = $1
                """, [id, area?.storageState ?? "stored", path, days])
            seeded.ids[role] = id
            seeded.paths[role] = path
            seeded.paths["sop.\(role)"] = instance.sop
            if role == "oldForwarded" || role == "oldFailed" { seeded.expired.insert(path) } else { seeded.kept.insert(path) }
        }
        // The series directory the objects left in storage/studies stays (oldStored is in it).

        // A live job for liveJob; a pending delivery for pendingDelivery.
        let destination = try await gw.count(
            "INSERT INTO dicom_gw.destinations (name, ae_title, host, port) VALUES ('pacs', 'PACS', '127.0.0.1', 104) RETURNING id")
        _ = try await gw.pool.execute(
            "INSERT INTO dicom_gw.jobs (queue, lane, kind, payload) VALUES ('forward', $1, 'forward', jsonb_build_object('instance_id', $2::bigint))",
            ["destination:\(destination)", seeded.ids["liveJob"] ?? 0])
        _ = try await gw.pool.execute(
            "INSERT INTO dicom_gw.deliveries (instance_id, destination_id, state) VALUES ($1, $2, 'pending')",
            [seeded.ids["pendingDelivery"] ?? 0, Int64(destination)])

        // Temporary files (mtimes 10 days and 1 hour ago) and a quarantined file (100 days).
        let aged: [(String, Double)] = [
            ("tmp/old.bin", 10), ("tmp/sub/old2.bin", 10), ("incoming/stale.part", 10), ("failed/quarantine/x/bad.dcm", 100),
            ("tmp/new.bin", 0.04), ("queue/fresh.bin", 1),
        ]
        for (path, days) in aged {
            let absolute = gw.layout.absolute(path)
            try fm.createDirectory(atPath: (absolute as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: 0o750])
            try Data("not DICOM \(path)".utf8).write(to: URL(fileURLWithPath: absolute))
            try fm.setAttributes([.posixPermissions: 0o640, .modificationDate: Date(timeIntervalSinceNow: -days * 86_400)],
                                 ofItemAtPath: absolute)
            if days >= 7 && !(path.hasPrefix("failed/") && days < 90) { seeded.expired.insert(path) } else { seeded.kept.insert(path) }
        }
        return seeded
    }

    /// The harness database's URL (the pool does not expose it; the test server's URL with the
    /// database the harness created).
    static func databaseURL(of gw: ForwardHarness) async throws -> String {
        let name = try #require(try await gw.pool.query("SELECT current_database() AS name").first?.decode(String.self, column: "name"))
        let server = try #require(TestDatabase.serverURL)
        return try TestDatabase.url(server, database: name)
    }
}
