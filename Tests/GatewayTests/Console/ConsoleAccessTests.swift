import Foundation
@testable import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresClient
import TestSupport
import Testing

@Suite("Console: login, pages and access", .requiresDatabase)
struct ConsoleAccessTests {
    /// Every page and the lowest role that may open it.
    static let pages: [(path: String, role: Role)] = [
        ("/ui/", .viewer), ("/ui/studies", .viewer), ("/ui/jobs", .viewer), ("/ui/jobs?state=failed", .viewer),
        ("/ui/destinations", .viewer), ("/ui/destinations/new", .operator), ("/ui/routes", .viewer), ("/ui/routes/new", .admin),
        ("/ui/users", .admin), ("/ui/audit", .viewer), ("/ui/tls", .viewer),
    ]

    @Test("login: CSRF cookie and field, wrong password, cookie attributes, logout ends the session")
    func login() async throws {
        try await ConsoleTestApp.with { _, _, client in
            let browser = ConsoleClient(client)
            let root = try await browser.get("/")
            #expect(root.status == .seeOther)
            #expect(root.headers[.location] == "/ui/")
            let anonymous = try await browser.get("/ui/jobs?state=failed")
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location]?.hasPrefix("/ui/login?next=") == true)

            let form = try await browser.get("/ui/login")
            #expect(form.status == .ok)
            #expect(form.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(form.headers[.contentSecurityPolicy]?.contains("script-src") == false)
            #expect(browser.lastSetCookies.contains { $0.contains("dgw_login_csrf=") && $0.contains("HttpOnly") && $0.contains("SameSite=Strict") })

            let forged = try await browser.post("/ui/login", [("username", "viewer"), ("password", AdminTestApp.password)], csrf: "forged")
            #expect(forged.status == .forbidden)
            #expect(forged.text.contains("expired or did not come from this console"))

            try await browser.get("/ui/login")
            let wrong = try await browser.post("/ui/login", [("username", "viewer"), ("password", "not the password")])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("Wrong username or password"))
            let empty = try await browser.post("/ui/login", [("username", "viewer"), ("password", "")])
            #expect(empty.status == .unprocessableContent)
            #expect(empty.text.contains("Enter your username and password"))

            let ok = try await browser.post("/ui/login", [("username", "viewer"), ("password", AdminTestApp.password), ("next", "/ui/audit")])
            #expect(ok.status == .seeOther)
            #expect(ok.headers[.location] == "/ui/audit")
            let session = browser.lastSetCookies.first { $0.hasPrefix("dgw_session=") } ?? ""
            #expect(session.contains("HttpOnly"))
            #expect(session.contains("SameSite=Strict"))
            #expect(!session.contains("Secure"))  // plain HTTP here; Secure under HTTPS

            let dashboard = try await browser.get("/ui/")
            #expect(dashboard.status == .ok)
            #expect(dashboard.text.contains("viewer"))
            let logout = try await browser.post("/ui/logout", [])
            #expect(logout.status == .seeOther)
            #expect(try await browser.get("/ui/").status == .seeOther)
        }
    }

    @Test("open redirects after login are refused")
    func nextIsChecked() {
        #expect(ConsolePages.safeReturnPath("/ui/jobs") == "/ui/jobs")
        #expect(ConsolePages.safeReturnPath("//evil.example/ui/") == nil)
        #expect(ConsolePages.safeReturnPath("https://evil.example/") == nil)
        #expect(ConsolePages.safeReturnPath("/ui//evil.example") == nil)
    }

    @Test("every page renders for the roles that may see it, 403 for the others; navigation hides what a role cannot use",
          arguments: Role.all)
    func pagesPerRole(role: Role) async throws {
        try await ConsoleTestApp.with { _, _, client in
            let browser = ConsoleClient(client)
            #expect(try await browser.login(role.name, AdminTestApp.password).status == .seeOther)
            for page in Self.pages {
                let response = try await browser.get(page.path)
                if role.includes(page.role) {
                    #expect(response.status == .ok, "\(role) \(page.path)")
                    #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                    #expect(response.headers[.contentSecurityPolicy] == ConsoleRenderer.contentSecurityPolicy)
                    #expect(response.text.contains("</html>"))
                } else {
                    #expect(response.status == .forbidden, "\(role) \(page.path)")
                    #expect(response.text.contains("Your role does not allow this"))
                }
            }
            let dashboard = try await browser.get("/ui/")
            #expect(dashboard.text.contains("href=\"/ui/users\"") == role.includes(.admin))
            let jobs = try await browser.get("/ui/jobs?state=failed")
            #expect(jobs.text.contains("name=\"retry_one\"") == role.includes(.operator))
            let destinations = try await browser.get("/ui/destinations")
            #expect(destinations.text.contains("/echo\"") == role.includes(.operator))
            let routes = try await browser.get("/ui/routes")
            #expect(routes.text.contains("Add route") == role.includes(.admin))
        }
    }

    @Test("every form refuses a POST without the session's CSRF token, and a role below the form's")
    func csrfAndRoles() async throws {
        try await ConsoleTestApp.with { app, fixture, client in
            let forms: [(path: String, role: Role)] = [
                ("/ui/jobs/action", .operator), ("/ui/jobs/confirm", .operator),
                ("/ui/studies/\(fixture.studyUID)/resend", .operator), ("/ui/destinations", .operator),
                ("/ui/destinations/\(fixture.destination.id)", .operator), ("/ui/destinations/\(fixture.destination.id)/echo", .operator),
                ("/ui/destinations/\(fixture.destination.id)/pause", .operator),
                ("/ui/destinations/\(fixture.destination.id)/resume", .operator), ("/ui/routes", .admin),
                ("/ui/routes/test", .viewer), ("/ui/users", .admin), ("/ui/users/1", .admin), ("/ui/users/1/password", .admin),
                ("/ui/tls", .admin), ("/ui/logout", .viewer),
            ]
            let anonymous = ConsoleClient(client)
            for form in forms {
                let response = try await anonymous.post(form.path, [], csrf: "x")
                #expect(response.status == .seeOther, "anonymous \(form.path)")
            }
            let admin = ConsoleClient(client)
            try await admin.login("admin", AdminTestApp.password)
            for form in forms {
                let missing = try await admin.post(form.path, [("action", "retry"), ("id", String(fixture.deadJobID))], csrf: .some(nil))
                #expect(missing.status == .forbidden, "no token \(form.path)")
                let wrong = try await admin.post(form.path, [("action", "retry"), ("id", String(fixture.deadJobID))], csrf: "0123456789")
                #expect(wrong.status == .forbidden, "wrong token \(form.path)")
                #expect(wrong.text.contains("expired or did not come from this console"))
            }
            // The token of another session does not pass either.
            let other = ConsoleClient(client)
            try await other.login("operator", AdminTestApp.password)
            let stolen = try await admin.post("/ui/jobs/confirm", [("action", "retry"), ("id", String(fixture.deadJobID))], csrf: other.csrf)
            #expect(stolen.status == .forbidden)
            let viewer = ConsoleClient(client)
            try await viewer.login("viewer", AdminTestApp.password)
            let operatorClient = ConsoleClient(client)
            try await operatorClient.login("operator", AdminTestApp.password)
            for form in forms {
                for (who, role) in [(viewer, Role.viewer), (operatorClient, Role.operator)] where !role.includes(form.role) {
                    let response = try await who.post(form.path, [("action", "retry"), ("id", String(fixture.deadJobID))])
                    #expect(response.status == .forbidden, "\(role) \(form.path)")
                }
            }
            // Nothing changed: the dead letter is still dead.
            let dead = try await app.pool.query("SELECT count(*) AS n FROM dicom_gw.job_dead_letters WHERE id = $1", [fixture.deadJobID])
            #expect(try dead.first?.decode(Int64.self, column: "n") == 1)
        }
    }
}

