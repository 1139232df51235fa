import DICOMNetwork
import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresClient
import Storage
import TestSupport
import Testing

/// `destinations.tls_verify_hostname` through the store, the schema upgrade, the admin API
/// and the console, on a real PostgreSQL.
@Suite("Destination TLS host name verification: store, upgrade, API, console", .requiresDatabase)
struct DestinationTLSVerifyTests {
    static func auditDetails(_ pool: PostgresPool, _ name: String) async throws -> [String] {
        try await pool.query("""
            SELECT action || ' ' || coalesce(details->>'tls_verify_hostname', '-') AS line FROM dicom_gw.audit_events
             WHERE object_type = 'destination' AND object_id = $1 ORDER BY id
            """, [name]).map { try $0.decode(String.self, column: "line") }
    }

    @Test("the store saves, updates and upserts the flag; the audit records it")
    func storeRoundTrip() async throws {
        try await AdminTestDatabase.with { pool in
            let store = DestinationStore(pool: pool)
            var d = Destination(name: "pacs", aeTitle: "PACS", host: "pacs.example.org", port: 2762)
            d.tlsEnabled = true
            let saved = try await store.save(d, actor: .user("test"))
            #expect(saved.tlsVerifyHostname)
            #expect(try await store.find(name: "pacs")?.tlsVerifyHostname == true)

            var lax = saved
            lax.tlsVerifyHostname = false
            try await store.update(lax, actor: .user("test"))
            let reread = try #require(try await store.find(id: saved.id))
            #expect(!reread.tlsVerifyHostname)
            #expect(reread.tlsSettings?.verifyHostname == false)

            var fromFile = reread
            fromFile.tlsVerifyHostname = true
            fromFile.source = "config"
            try await store.save(fromFile, actor: .system("config-sync"), upsert: true)
            #expect(try await store.find(name: "pacs")?.tlsVerifyHostname == true, "the file wins on sync")
            #expect(try await store.list().map(\.tlsVerifyHostname) == [true])

            #expect(try await Self.auditDetails(pool, "pacs") == [
                "destination.add true", "destination.update false", "destination.sync true",
            ])

            // Config sync: a line without the word leaves an existing row's value alone (a
            // destination declared before the upgrade keeps working) and a new row verifies.
            var old = Destination(name: "old", aeTitle: "OLD", host: "10.1.2.3", port: 2762)
            old.tlsEnabled = true
            old.tlsVerifyHostname = false
            try await store.save(old, actor: .user("test"))
            var forward = ForwardConfiguration()
            forward.destinations = [
                "name=old ae_title=OLD host=10.1.2.3 port=2762 tls=true max_attempts=3",
                "name=fresh ae_title=NEW host=10.1.2.4 port=2762 tls=true",
            ]
            for var declared in try forward.parsedDestinations() {
                declared.source = "config"
                try await store.save(declared, actor: .system("config-sync"), upsert: true)
            }
            let synced = try #require(try await store.find(name: "old"))
            #expect(synced.maxAttempts == 3, "the rest of the line was synced")
            #expect(!synced.tlsVerifyHostname, "no tls_verify_hostname word: the stored false stays")
            #expect(try await store.find(name: "fresh")?.tlsVerifyHostname == true)
            forward.destinations = ["name=old ae_title=OLD host=10.1.2.3 port=2762 tls=true tls_verify_hostname=true"]
            for var declared in try forward.parsedDestinations() {
                declared.source = "config"
                try await store.save(declared, actor: .system("config-sync"), upsert: true)
            }
            #expect(try await store.find(name: "old")?.tlsVerifyHostname == true, "written out, the file wins")
        }
    }

    @Test("upgrading to schema 11 keeps existing destinations unverified; rows inserted later verify")
    func upgradeKeepsExistingRows() async throws {
        let before = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: before, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: before) }
        let all = try FileManager.default.contentsOfDirectory(atPath: TestDatabase.repositoryMigrations.path).filter { $0.hasSuffix(".sql") }
        for name in all where name < "0011_" {
            try FileManager.default.copyItem(
                at: TestDatabase.repositoryMigrations.appendingPathComponent(name), to: before.appendingPathComponent(name))
        }
        try await TestDatabase.withFresh(migrations: before) { database in
            try await database.withPool { pool in
                _ = try await pool.query("""
                    INSERT INTO dicom_gw.destinations (name, ae_title, host, port, tls_enabled)
                    VALUES ('old-tls', 'PACS', 'pacs.example.org', 2762, true), ('old-plain', 'PACS', '10.1.2.3', 104, false)
                    RETURNING id
                    """)
                let applied = try await MigrationRunner(pool: pool, directory: TestDatabase.repositoryMigrations, schema: "dicom_gw").migrate()
                #expect(applied.contains { $0.version == 11 })
                #expect(try await GatewaySchema.appliedVersion(pool) == GatewaySchema.requiredVersion)
                _ = try await pool.query(
                    "INSERT INTO dicom_gw.destinations (name, ae_title, host, port, tls_enabled) VALUES ('new', 'PACS', 'h', 104, true) RETURNING id")
                let store = DestinationStore(pool: pool)
                let flags = Dictionary(uniqueKeysWithValues: try await store.list().map { ($0.name, $0.tlsVerifyHostname) })
                #expect(flags == ["old-tls": false, "old-plain": false, "new": true])
                // The reporting views still read the table.
                let report = try await pool.query("SELECT destination FROM dicom_gw.report_forward_destinations ORDER BY destination")
                #expect(try report.map { try $0.decode(String.self, column: "destination") } == ["new", "old-plain", "old-tls"])
                #expect(Destination.warnUnverifiedTLS(try await store.list(), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }) == ["old-tls"])
            }
        }
    }

    @Test("dicom-gw destination add verifies by default; update --tls-verify-hostname false turns it off; list says so")
    func cli() async throws {
        try await TestDatabase.withFresh(migrations: TestDatabase.repositoryMigrations) { database in
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("cli-tls-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: root) }
            let cli = try GatewayCLI(databaseURL: database.url, root: root)
            try await cli.run(["destination", "add", "pacs", "--ae-title", "PACS", "--host", "pacs.example.org", "--port", "2762", "--tls", "true"])
            let added = try await database.withPool { try await DestinationStore(pool: $0).find(name: "pacs")?.tlsVerifyHostname }
            #expect(added == true)
            #expect(try await cli.run(["destination", "list"]).contains("pacs.example.org:2762 (TLS)\t"))
            try await cli.run(["destination", "update", "pacs", "--tls-verify-hostname", "false"])
            let (updated, audit) = try await database.withPool { pool in
                (try await DestinationStore(pool: pool).find(name: "pacs")?.tlsVerifyHostname, try await Self.auditDetails(pool, "pacs"))
            }
            #expect(updated == false)
            #expect(audit == ["destination.add true", "destination.update false"])
            #expect(try await cli.run(["destination", "list"]).contains("(TLS, host name not verified)"))
        }
    }

    @Test("dicom-gw serve warns once at start-up for each TLS destination without the host name check")
    func serveWarns() async throws {
        try await TestDatabase.withFresh(migrations: TestDatabase.repositoryMigrations) { database in
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("serve-tls-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: root) }
            try StorageLayout(root: root.path).prepare()
            try await database.withPool { pool in
                let store = DestinationStore(pool: pool)
                for (name, tls, verify) in [("lax", true, false), ("strict", true, true), ("plain", false, false)] {
                    var d = Destination(name: name, aeTitle: "PACS", host: "127.0.0.1", port: 2762)
                    d.tlsEnabled = tls
                    d.tlsVerifyHostname = verify
                    try await store.save(d, actor: .user("test"))
                }
            }
            let cli = try GatewayCLI(databaseURL: database.url, root: root)
            let port = try LoopbackPort.free()
            let serve = try cli.start(
                ["serve", "--port", "\(port)", "--host", "127.0.0.1", "--ae-title", "DICOM_GW",
                 "--admin-listen", "127.0.0.1:\(try LoopbackPort.free())"], name: "serve")
            defer { serve.signal(SIGKILL) }
            let needle = "TLS destination does not verify the host name"
            var up = false
            for _ in 0..<300 where !up {
                up = LoopbackPort.accepts(port) && serve.output.contains(needle)
                if !up { try await Task.sleep(for: .milliseconds(50)) }
            }
            let lines = serve.output.split(separator: "\n").filter { $0.contains(needle) }
            #expect(up, "\(serve.output.suffix(2000))")
            #expect(lines.count == 1, "\(lines)")
            #expect(lines.first?.contains("forward.destination=lax") == true, "\(lines)")

            // A worker process names it too.
            let worker = try cli.start(["worker", "--name", "tls-check"], name: "worker")
            defer { worker.signal(SIGKILL) }
            var warned = false
            for _ in 0..<200 where !warned {
                warned = worker.output.contains(needle)
                if !warned { try await Task.sleep(for: .milliseconds(50)) }
            }
            let workerLines = worker.output.split(separator: "\n").filter { $0.contains(needle) }
            #expect(workerLines.count == 1, "\(worker.output.suffix(2000))")
            #expect(workerLines.first?.contains("forward.destination=lax") == true, "\(workerLines)")
        }
    }

    @Test("the API shows tls_verify_hostname, defaults it to true on create, and changes it on replace")
    func api() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await app.test { client in
                let created = try await client.send(
                    .post, "/api/v1/destinations", headers: app.auth(.operator),
                    json: #"{"name":"pacs","ae_title":"PACS","host":"pacs.example.org","port":2762,"tls_enabled":true}"#)
                #expect(created.status == .created, "\(created.text)")
                #expect(created.object["tls_verify_hostname"] as? Bool == true)
                let id = try #require(created.object["id"] as? Int)
                let lax = try await client.send(
                    .put, "/api/v1/destinations/\(id)", headers: app.auth(.operator),
                    json: #"{"name":"pacs","ae_title":"PACS","host":"pacs.example.org","port":2762,"tls_enabled":true,"tls_verify_hostname":false}"#)
                #expect(lax.status == .ok, "\(lax.text)")
                #expect(lax.object["tls_verify_hostname"] as? Bool == false)
                let shown = try await client.send(.get, "/api/v1/destinations/pacs", headers: app.auth(.viewer))
                #expect(shown.object["tls_verify_hostname"] as? Bool == false)
                #expect(try await DestinationStore(pool: pool).find(name: "pacs")?.tlsVerifyHostname == false)
                let wrongType = try await client.send(
                    .post, "/api/v1/destinations", headers: app.auth(.operator),
                    json: #"{"name":"other","ae_title":"PACS","host":"h","port":104,"tls_verify_hostname":"no"}"#)
                #expect(wrongType.status == .badRequest, "\(wrongType.text)")
            }
            #expect(try await Self.auditDetails(pool, "pacs") == ["destination.add true", "destination.update false"])
        }
    }

    @Test("the console form offers the check ticked for a new destination and saves the box as ticked or not")
    func console() async throws {
        try await ConsoleTestApp.with { app, _, client in
            let browser = ConsoleClient(client)
            try await browser.login("operator", AdminTestApp.password)
            let form = try await browser.get("/ui/destinations/new")
            #expect(form.text.contains(#"name="tls_verify_hostname" checked"#), "a new destination verifies by default")
            let base = [("name", "secure"), ("ae_title", "PACS"), ("host", "127.0.0.1"), ("port", "2762"), ("enabled", "on"), ("tls_enabled", "on")]
            #expect(try await browser.post("/ui/destinations", base + [("tls_verify_hostname", "on")]).status == .seeOther)
            let store = DestinationStore(pool: app.pool)
            let saved = try #require(try await store.find(name: "secure"))
            #expect(saved.tlsVerifyHostname)
            let detail = try await browser.get("/ui/destinations/\(saved.id)")
            #expect(detail.text.contains(#"name="tls_verify_hostname" checked"#))
            #expect(!detail.text.contains("without host name verification"))
            #expect(try await browser.post("/ui/destinations/\(saved.id)", base).status == .seeOther)
            #expect(try await store.find(id: saved.id)?.tlsVerifyHostname == false, "an unticked box turns the check off")
            let unticked = try await browser.get("/ui/destinations/\(saved.id)")
            #expect(unticked.text.contains(#"name="tls_verify_hostname">"#))
            #expect(unticked.text.contains("DICOM TLS without host name verification"), "the detail page warns")
            let list = try await browser.get("/ui/destinations")
            #expect(list.text.contains("TLS, host name not checked"), "the list shows it too")
            #expect(try await browser.post("/ui/destinations/\(saved.id)", base + [("tls_verify_hostname", "on")]).status == .seeOther)
            let fixed = try await browser.get("/ui/destinations")
            #expect(!fixed.text.contains("host name not checked"))
            #expect(fixed.text.contains(">TLS</span>"))
        }
    }
}
