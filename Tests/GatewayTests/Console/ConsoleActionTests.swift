import Foundation
@testable import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresClient
import TestSupport
import Testing

@Suite("Console: actions through the stores", .requiresDatabase)
struct ConsoleActionTests {
    static func count(_ pool: PostgresPool, _ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int64 {
        try await pool.query(sql, parameters).first?.decode(Int64.self, column: "n") ?? -1
    }

    @Test("jobs: retry a dead letter after a confirmation naming the count; bulk cancel; audited")
    func jobs() async throws {
        try await ConsoleTestApp.with { app, fixture, client in
            let browser = ConsoleClient(client)
            try await browser.login("operator", AdminTestApp.password)
            let failed = try await browser.get("/ui/jobs?state=failed&destination=\(fixture.destination.id)")
            #expect(failed.text.contains("A700 out of resources"))

            let none = try await browser.post("/ui/jobs/action", [("action", "retry"), ("state", "failed")])
            #expect(none.status == .unprocessableContent)
            #expect(none.text.contains("No jobs selected"))

            let confirm = try await browser.post("/ui/jobs/action", [("retry_one", String(fixture.deadJobID)), ("state", "failed")])
            #expect(confirm.status == .ok)
            #expect(confirm.text.contains("Retry 1 job?"))
            let done = try await browser.post("/ui/jobs/confirm", [("action", "retry"), ("id", String(fixture.deadJobID)), ("state", "failed")])
            #expect(done.status == .seeOther)
            #expect(done.headers[.location]?.contains("notice=retried&count=1") == true)
            #expect(try await browser.get(done.headers[.location] ?? "").text.contains("Retried 1 job."))
            #expect(try await Self.count(app.pool, "SELECT count(*) AS n FROM dicom_gw.jobs WHERE id = $1", [fixture.deadJobID]) == 1)
            #expect(try await Self.count(app.pool, "SELECT count(*) AS n FROM dicom_gw.deliveries WHERE job_id = $1 AND state = 'pending'", [fixture.deadJobID]) == 1)

            let all = try await browser.post("/ui/jobs/action", [("all", "cancel"), ("state", "live"), ("destination", String(fixture.destination.id))])
            #expect(all.text.contains("Cancel 2 jobs?"))
            let ids = [fixture.deadJobID, fixture.liveJobID].map { ("id", String($0)) }
            let cancelled = try await browser.post("/ui/jobs/confirm", [("action", "cancel")] + ids)
            #expect(cancelled.headers[.location]?.contains("notice=cancelled&count=2") == true)
            #expect(try await Self.count(app.pool, "SELECT count(*) AS n FROM dicom_gw.jobs") == 0)

            let audit = try await app.services.auditQuery.list(AuditFilter(actor: "operator", action: "job.*"), limit: 10)
            #expect(audit.map(\.action) == [AuditAction.jobCancelled, AuditAction.jobRetried])
        }
    }

    @Test("destinations: validation messages, add, edit, pause and resume through the store, echo result shown and audited")
    func destinations() async throws {
        try await ConsoleTestApp.with { app, fixture, client in
            let browser = ConsoleClient(client)
            try await browser.login("operator", AdminTestApp.password)
            try await browser.get("/ui/destinations/new")
            let invalid = try await browser.post(
                "/ui/destinations", [("name", "-bad"), ("ae_title", "AN AE TITLE TOO LONG"), ("host", "x y"), ("port", "70000")])
            #expect(invalid.status == .unprocessableContent)
            for message in ["starting with a letter or digit", "1–16 printable ASCII", "a host name or IP address", "from 1 to 65535"] {
                #expect(invalid.text.contains(message), "\(message)")
            }
            let created = try await browser.post(
                "/ui/destinations",
                [("name", "archive"), ("ae_title", "ARCHIVE"), ("host", "127.0.0.1"), ("port", "11112"), ("enabled", "on"),
                 ("max_associations", "3")])
            #expect(created.status == .seeOther)
            let stored = try await DestinationStore(pool: app.pool).find(name: "archive")
            #expect(stored?.maxAssociations == 3)
            let duplicate = try await browser.post(
                "/ui/destinations", [("name", "archive"), ("ae_title", "ARCHIVE"), ("host", "127.0.0.1"), ("port", "11112")])
            #expect(duplicate.status == .unprocessableContent)
            #expect(duplicate.text.contains("already exists"))

            let id = fixture.destination.id
            try await browser.get("/ui/destinations/\(id)")
            let edited = try await browser.post(
                "/ui/destinations/\(id)", [("name", "pacs"), ("ae_title", "PACS2"), ("host", "localhost"), ("port", "104"), ("enabled", "on")])
            #expect(edited.status == .seeOther)
            #expect(try await DestinationStore(pool: app.pool).find(id: id)?.aeTitle == "PACS2")

            #expect(try await browser.post("/ui/destinations/\(id)/pause", []).status == .seeOther)
            #expect(try await DestinationStore(pool: app.pool).find(id: id)?.paused == true)
            #expect(try await Self.count(app.pool, "SELECT count(*) AS n FROM dicom_gw.job_lanes WHERE lane = $1 AND paused_until = 'infinity'", [fixture.destination.lane]) == 1)
            let list = try await browser.get("/ui/destinations")
            #expect(list.text.contains("paused"))
            #expect(try await browser.post("/ui/destinations/\(id)/resume", []).status == .seeOther)
            #expect(try await DestinationStore(pool: app.pool).find(id: id)?.paused == false)

            // Nothing listens on port 104 of localhost here: the echo fails, and says so.
            let echo = try await browser.post("/ui/destinations/\(id)/echo", [])
            #expect(echo.status == .ok)
            #expect(echo.text.contains("C-ECHO failed"))
            let audit = try await app.services.auditQuery.list(AuditFilter(action: AuditAction.destinationEchoed), limit: 5)
            #expect(audit.first?.outcome == "failure")
            #expect(audit.first?.actor == "operator")
            let changes = try await app.services.auditQuery.list(AuditFilter(actor: "operator", action: "destination.*"), limit: 10)
            #expect(Set(changes.map(\.action)).isSuperset(of: ["destination.add", "destination.update"]))
        }
    }

    @Test("routes: condition errors by line, save through RouteStore, file tester names the destinations")
    func routes() async throws {
        try await ConsoleTestApp.with { app, _, client in
            let browser = ConsoleClient(client)
            try await browser.login("admin", AdminTestApp.password)
            try await browser.get("/ui/routes/new")
            let bad = try await browser.post(
                "/ui/routes",
                [("name", "ct"), ("priority", "10"), ("conditions", "modality=CT\nNoSuchField=1"), ("mode", "immediate"),
                 ("stable_seconds", "0"), ("archive_policy", "keep"), ("enabled", "on")])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("line 2: unknown field"))
            #expect(bad.text.contains("choose at least one destination"))
            let saved = try await browser.post(
                "/ui/routes",
                [("name", "ct"), ("priority", "10"), ("conditions", "modality=CT"), ("mode", "immediate"), ("stable_seconds", "0"),
                 ("archive_policy", "keep"), ("enabled", "on"), ("destination", "pacs")])
            #expect(saved.status == .seeOther)
            let routes = try await RouteStore(pool: app.pool).list()
            #expect(routes.map(\.name) == ["ct"])
            #expect(routes.first?.conditions.map(\.description) == ["modality = 'CT'"])
            try await browser.get("/ui/routes/ct")
            let edited = try await browser.post(
                "/ui/routes/ct",
                [("name", "ct"), ("priority", "10"), ("conditions", "modality~CT|MR"), ("mode", "study_stable"), ("stable_seconds", "60"),
                 ("archive_policy", "keep"), ("enabled", "on"), ("destination", "pacs")])
            #expect(edited.status == .seeOther)
            #expect(try await RouteStore(pool: app.pool).list().first?.mode == .studyStable)

            try await browser.get("/ui/routes")
            let noFile = try await browser.postMultipart("/ui/routes/test", [], files: [:])
            #expect(noFile.status == .unprocessableContent)
            #expect(noFile.text.contains("Choose a DICOM file"))
            let garbage = try await browser.postMultipart("/ui/routes/test", [], files: ["file": ("notes.txt", Array("hello".utf8))])
            #expect(garbage.status == .unprocessableContent)
            #expect(garbage.text.contains("is not a readable DICOM file"))
            let ct = try ConsoleCorpus.file(modality: "CT")
            let tested = try await browser.postMultipart(
                "/ui/routes/test", [("calling_ae", "MODALITY")], files: ["file": (ct.name, ct.bytes)])
            #expect(tested.status == .ok)
            #expect(tested.text.contains("Would be sent to:"))
            #expect(tested.text.contains(#"<span class="badge ok">pacs</span>"#))
        }
    }

    @Test("users: validation messages, create with a generated password shown once, role and disable, not oneself")
    func users() async throws {
        try await ConsoleTestApp.with { app, _, client in
            let browser = ConsoleClient(client)
            try await browser.login("admin", AdminTestApp.password)
            try await browser.get("/ui/users")
            let short = try await browser.post("/ui/users", [("username", "nurse"), ("role", "viewer"), ("password", "short")])
            #expect(short.status == .unprocessableContent)
            #expect(short.text.contains("at least"))
            let badName = try await browser.post("/ui/users", [("username", "no spaces"), ("role", "viewer")])
            #expect(badName.text.contains("starting with a letter or digit"))
            let created = try await browser.post("/ui/users", [("username", "nurse"), ("role", "operator")])
            #expect(created.status == .ok)
            #expect(created.text.contains("shown once"))
            let user = try await app.services.users.find(username: "nurse")
            #expect(user?.role == .operator)
            let id = user?.id ?? 0
            #expect(try await browser.post("/ui/users/\(id)", [("op", "role"), ("role", "viewer")]).status == .seeOther)
            #expect(try await browser.post("/ui/users/\(id)", [("op", "disable")]).status == .seeOther)
            #expect(try await app.services.users.find(id: id)?.disabled == true)
            #expect(try await app.services.users.find(id: id)?.role == .viewer)
            let me = try await app.services.users.find(username: "admin")?.id ?? 0
            let selfDisable = try await browser.post("/ui/users/\(me)", [("op", "disable")])
            #expect(selfDisable.status == .unprocessableContent)
            #expect(selfDisable.text.contains("cannot disable your own account"))
            let password = try await browser.post("/ui/users/\(id)/password", [("password", "x")])
            #expect(password.status == .unprocessableContent)
            let audit = try await app.services.auditQuery.list(AuditFilter(actor: "admin", action: "user.*"), limit: 10)
            #expect(Set(audit.map(\.action)).subtracting([AuditAction.loginSucceeded]) == [AuditAction.userCreated, AuditAction.userRoleChanged, AuditAction.userDisabled])
        }
    }

    @Test("studies: search validation, detail with delivery status per destination, re-send through the ledger")
    func studies() async throws {
        try await ConsoleTestApp.with { app, fixture, client in
            let browser = ConsoleClient(client)
            try await browser.login("operator", AdminTestApp.password)
            let search = try await browser.get("/ui/studies?patient_name=doe&modality=ct")
            #expect(search.text.contains("DOE, JANE"))
            let none = try await browser.get("/ui/studies?accession=NOPE")
            #expect(none.text.contains("No study matches"))
            let badDate = try await browser.get("/ui/studies?from=29-11-2026")
            #expect(badDate.status == .unprocessableContent)
            #expect(badDate.text.contains("From must be a date YYYY-MM-DD"))
            #expect(try await browser.get("/ui/studies/1.2.3.not-a-uid").status == .notFound)
            #expect(try await browser.get("/ui/studies/1.2.3.4").status == .notFound)

            let detail = try await browser.get("/ui/studies/\(fixture.studyUID)")
            #expect(detail.status == .ok)
            #expect(detail.text.contains("1 delivered") == false)
            #expect(detail.text.contains("0 delivered · 1 pending · 1 failed"))
            #expect(detail.text.contains("A700 out of resources"))
            let resent = try await browser.post("/ui/studies/\(fixture.studyUID)/resend", [("destination", "pacs")])
            #expect(resent.status == .seeOther)
            #expect(resent.headers[.location]?.contains("notice=resent") == true)
            let audit = try await app.services.auditQuery.list(AuditFilter(action: "forward.replay"), limit: 5)
            #expect(audit.first?.actor == "operator")
            let missing = try await browser.post("/ui/studies/\(fixture.studyUID)/resend", [])
            #expect(missing.status == .unprocessableContent)
            #expect(missing.text.contains("Choose where to send"))
        }
    }

    @Test("audit page shows the verification result and filters; TLS page without and with a store, upload errors")
    func auditAndTLS() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-console-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try TLSUploadTests.make(in: directory, name: "good", days: 90)
        let other = try TLSUploadTests.make(in: directory, name: "other", days: 90)
        let store = TLSMaterialStore(
            paths: .init(certificate: directory.appendingPathComponent("server.pem").path,
                         key: directory.appendingPathComponent("server.key").path, ca: nil)) {}
        try await ConsoleTestApp.with(tlsStore: store) { app, _, client in
            let browser = ConsoleClient(client)
            try await browser.login("admin", AdminTestApp.password)
            _ = try await app.services.auditSealer.sealPending()
            let audit = try await browser.get("/ui/audit?action=user.*")
            #expect(audit.text.contains("Chain intact"))
            #expect(audit.text.contains("user.login"))
            let badDate = try await browser.get("/ui/audit?since=yesterday")
            #expect(badDate.status == .unprocessableContent)

            try await browser.get("/ui/tls")
            let mismatch = try await browser.postMultipart(
                "/ui/tls", [], files: ["certificate": ("c.pem", Array(good.certificate.utf8)), "key": ("k.pem", Array(other.key.utf8))])
            #expect(mismatch.status == .unprocessableContent)
            #expect(mismatch.text.contains("does not match"))
            let missing = try await browser.postMultipart("/ui/tls", [], files: ["certificate": ("c.pem", Array(good.certificate.utf8))])
            #expect(missing.status == .unprocessableContent)
            #expect(missing.text.contains("choose a PEM file"))
            let installed = try await browser.postMultipart(
                "/ui/tls", [], files: ["certificate": ("c.pem", Array(good.certificate.utf8)), "key": ("k.pem", Array(good.key.utf8))])
            #expect(installed.status == .seeOther)
            let page = try await browser.get("/ui/tls")
            #expect(page.text.contains("Installed certificate"))
            #expect(page.text.contains("days left"))
            let changes = try await app.services.auditQuery.list(AuditFilter(action: AuditAction.tlsChanged), limit: 5)
            #expect(changes.map(\.outcome) == ["success", "failure"])
        }
    }
}
