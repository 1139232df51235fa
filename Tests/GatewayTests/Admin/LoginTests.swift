import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresClient
import TestSupport
import Testing

@Suite("Login, sessions and lockout", .requiresDatabase)
struct LoginTests {
    static func login(_ client: any TestClientProtocol, _ username: String, _ password: String) async throws -> TestResponse {
        try await client.send(.post, "/api/v1/auth/login", json: #"{"username":"\#(username)","password":"\#(password)"}"#)
    }

    @Test("a session cookie is HttpOnly and SameSite=Strict, and changes need the CSRF token")
    func sessionCookie() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await app.test { client in
                let response = try await Self.login(client, "operator", AdminTestApp.password)
                #expect(response.status == .ok)
                let setCookie = response.headers[.setCookie] ?? ""
                #expect(setCookie.hasPrefix("dgw_session="))
                #expect(setCookie.contains("HttpOnly"))
                #expect(setCookie.contains("SameSite=Strict"))
                #expect(!setCookie.contains("Secure"), "plain HTTP: no Secure attribute")
                let csrf = try #require(response.object["csrf_token"] as? String)
                let cookie = String(setCookie.split(separator: ";")[0])

                let me = try await client.send(.get, "/api/v1/auth/me", headers: [.cookie: cookie])
                #expect(me.status == .ok)
                #expect((me.object["user"] as? [String: Any])?["username"] as? String == "operator")

                let body = #"{"name":"pacs","ae_title":"PACS","host":"127.0.0.1","port":104}"#
                let withoutToken = try await client.send(.post, "/api/v1/destinations", headers: [.cookie: cookie], json: body)
                #expect(withoutToken.status == .forbidden)
                #expect(withoutToken.errorCode == "csrf_failed")
                let withToken = try await client.send(
                    .post, "/api/v1/destinations", headers: [.cookie: cookie, AdminRouteBuilder.csrfHeader: csrf], json: body)
                #expect(withToken.status == .created)

                let logout = try await client.send(
                    .post, "/api/v1/auth/logout", headers: [.cookie: cookie, AdminRouteBuilder.csrfHeader: csrf])
                #expect(logout.status == .noContent)
                #expect(try await client.send(.get, "/api/v1/auth/me", headers: [.cookie: cookie]).status == .unauthorized)
            }
            let rows = try await pool.query("SELECT count(*) AS n FROM dicom_gw.sessions")
            #expect(try rows.first?.decode(Int64.self, column: "n") == 0)
        }
    }

    @Test("the cookie is Secure when the server speaks HTTPS (or is told to)")
    func secureCookie() async throws {
        try await AdminTestDatabase.with { pool in
            var configuration = AdminServer.Configuration()
            configuration.secureCookies = true
            let app = try await AdminTestApp.make(pool: pool, configuration: configuration)
            try await app.test { client in
                let response = try await Self.login(client, "viewer", AdminTestApp.password)
                #expect(response.headers[.setCookie]?.contains("Secure") == true)
            }
        }
    }

    @Test("repeated failures lock the account; the right password is refused until the lock passes")
    func lockout() async throws {
        try await AdminTestDatabase.with { pool in
            var policy = Authenticator.Policy()
            policy.maxFailedLogins = 3
            let app = try await AdminTestApp.make(pool: pool, policy: policy)
            try await app.test { client in
                for _ in 0..<3 {
                    let response = try await Self.login(client, "viewer", "wrong password!")
                    #expect(response.status == .unauthorized)
                    #expect(response.errorCode == "invalid_credentials")
                }
                let locked = try await Self.login(client, "viewer", AdminTestApp.password)
                #expect(locked.status == .unauthorized, "locked account refuses the right password")
                // Other accounts are unaffected.
                #expect(try await Self.login(client, "operator", AdminTestApp.password).status == .ok)

                try await pool.execute("UPDATE dicom_gw.users SET locked_until = now() - interval '1 second' WHERE username = 'viewer'")
                #expect(try await Self.login(client, "viewer", AdminTestApp.password).status == .ok)
            }
            let failures = try await app.services.auditQuery.list(AuditFilter(action: AuditAction.loginFailed), limit: 10)
            #expect(failures.count == 4)
            #expect(failures.contains { $0.details == .object(["reason": .string("locked")]) })
            #expect(failures.contains { $0.details == .object(["reason": .string("bad_password"), "locked": .bool(true)]) })
            let user = try #require(try await app.services.users.find(username: "viewer"))
            #expect(user.failedLoginCount == 0)
            #expect(user.lastLoginAt != nil)
        }
    }

    @Test("unknown and disabled users are refused the same way, and passwords never reach the audit log")
    func refusals() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            let viewer = try #require(try await app.services.users.find(username: "viewer"))
            _ = try await app.services.users.setDisabled(userID: viewer.id, disabled: true, by: AdminTestApp.actor)
            try await app.test { client in
                let unknown = try await Self.login(client, "nobody", "secret-password-1")
                let disabled = try await Self.login(client, "viewer", AdminTestApp.password)
                #expect(unknown.status == .unauthorized)
                #expect(disabled.status == .unauthorized)
                #expect(unknown.text == disabled.text)
                // A disabled user's API token stops working too.
                #expect(try await client.send(.get, "/api/v1/auth/me", headers: app.auth(.viewer)).status == .unauthorized)
            }
            let everything = try await pool.query("SELECT details::text || actor AS t FROM dicom_gw.audit_events")
            for row in everything {
                let text = try row.decode(String.self, column: "t")
                #expect(!text.contains("secret-password-1"))
                #expect(!text.contains(AdminTestApp.password))
                #expect(!text.contains("nobody"))
            }
        }
    }
}
