import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresClient
import TestSupport
import Testing

@Suite("Admin API authorisation", .requiresDatabase)
struct AuthorizationTests {
    /// A concrete URI for a route template.
    static func uri(_ route: AdminRoute) -> String {
        route.path.replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{uid}", with: "1.2.3")
    }

    @Test("every mutating route answers 401 without credentials and 403 below its role")
    func mutatingRoutesAreProtected() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            let routes = app.server.buildRouter().routes
            let mutating = routes.filter { $0.isMutating && $0.access != .anonymous }
            #expect(mutating.count >= 14)
            try await app.test { client in
                for route in mutating {
                    let anonymous = try await client.send(route.method, Self.uri(route), json: "{}")
                    #expect(anonymous.status == .unauthorized, "\(route) without credentials")
                    #expect(anonymous.errorCode == "unauthenticated", "\(route) error shape")

                    let forged = try await client.send(
                        route.method, Self.uri(route), headers: [.authorization: "Bearer dgw_forged"], json: "{}")
                    #expect(forged.status == .unauthorized, "\(route) with a forged token")

                    guard case .role(let required) = route.access else { continue }
                    for role in Role.all where !role.includes(required) {
                        let response = try await client.send(route.method, Self.uri(route), headers: app.auth(role), json: "{}")
                        #expect(response.status == .forbidden, "\(route) as \(role)")
                        #expect(response.errorCode == "forbidden", "\(route) as \(role) error shape")
                    }
                }
            }
        }
    }

    @Test("revoked, expired and disabled users' admin tokens get 401 on every mutating route")
    func deadCredentialsAreRefused() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            let actor = AdminTestApp.actor
            var dead: [String: String] = [:]
            for name in ["revoked", "expired", "disabled"] {
                let user = try await app.services.users.create(username: name, password: AdminTestApp.password, role: .admin, by: actor)
                let issued = try await app.services.tokens.issue(userID: user.id, name: "t", lifetime: .seconds(3600), by: actor)
                dead[name] = issued.token
                switch name {
                case "revoked": _ = try await app.services.tokens.revoke(id: issued.record.id, by: actor)
                case "expired":
                    try await pool.execute(
                        "UPDATE dicom_gw.api_tokens SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 second' WHERE id = $1",
                        [issued.record.id])
                default: _ = try await app.services.users.setDisabled(userID: user.id, disabled: true, by: actor)
                }
            }
            let mutating = app.server.buildRouter().routes.filter { $0.isMutating && $0.access != .anonymous }
            let tokens = dead.sorted(by: { $0.key < $1.key })
            try await app.test { client in
                for route in mutating {
                    for (name, token) in tokens {
                        let response = try await client.send(
                            route.method, Self.uri(route), headers: [.authorization: "Bearer \(token)"], json: "{}")
                        #expect(response.status == .unauthorized, "\(route) with a \(name) token")
                    }
                }
                // The same request with a live admin token gets past authentication.
                #expect(try await client.send(.get, "/api/v1/auth/me", headers: app.auth(.admin)).status == .ok)
            }
        }
    }

    @Test("every read route needs a login, and anonymous routes are only health, metrics and login")
    func readRoutesNeedLogin() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            let routes = app.server.buildRouter().routes
            let anonymous = Set(routes.filter { $0.access == .anonymous }.map(\.path))
            #expect(anonymous == ["/healthz", "/readyz", "/metrics", "/api/v1/auth/login"])
            try await app.test { client in
                for route in routes where !route.isMutating && route.access != .anonymous {
                    let response = try await client.send(route.method, Self.uri(route))
                    #expect(response.status == .unauthorized, "\(route)")
                }
            }
        }
    }

    @Test("admins manage users; operators cannot; viewers read destinations but cannot add them")
    func roleMatrix() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await app.test { client in
                let list = try await client.send(.get, "/api/v1/users", headers: app.auth(.admin))
                #expect(list.status == .ok)
                #expect((list.object["items"] as? [Any])?.count == 3)
                #expect(try await client.send(.get, "/api/v1/users", headers: app.auth(.operator)).status == .forbidden)
                #expect(try await client.send(.get, "/api/v1/destinations", headers: app.auth(.viewer)).status == .ok)
                let body = #"{"name":"pacs","ae_title":"PACS","host":"127.0.0.1","port":104}"#
                #expect(try await client.send(.post, "/api/v1/destinations", headers: app.auth(.viewer), json: body).status == .forbidden)
                #expect(try await client.send(.post, "/api/v1/destinations", headers: app.auth(.operator), json: body).status == .created)
            }
        }
    }

    @Test("unknown routes answer 404 in the error shape")
    func unknownRoute() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await app.test { client in
                let response = try await client.send(.get, "/api/v1/nothing", headers: app.auth(.admin))
                #expect(response.status == .notFound)
                #expect(response.errorCode == "not_found")
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true)
                #expect(response.headers[.strictTransportSecurity] == nil, "no HSTS over plain HTTP")
            }
        }
    }

    @Test("behind a TLS-terminating proxy (admin.secure_cookies): HSTS is sent")
    func hstsBehindProxy() async throws {
        try await AdminTestDatabase.with { pool in
            var configuration = AdminServer.Configuration()
            configuration.secureCookies = true
            let app = try await AdminTestApp.make(pool: pool, configuration: configuration)
            try await app.test { client in
                let response = try await client.send(.get, "/healthz")
                #expect(response.headers[.strictTransportSecurity] == "max-age=31536000")
            }
        }
    }
}
