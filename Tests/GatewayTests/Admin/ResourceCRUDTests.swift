import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresClient
import TestSupport
import Testing

@Suite("Destinations, routes and users through the API", .requiresDatabase)
struct ResourceCRUDTests {
    @Test("destinations: validation, create, conflict, update, in-use delete, audit")
    func destinations() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await app.test { client in
                let op = app.auth(.operator)
                let invalid = try await client.send(
                    .post, "/api/v1/destinations", headers: op,
                    json: #"{"name":"-bad","ae_title":"WAY_TOO_LONG_AE_TITLE","host":"a b","port":70000}"#)
                #expect(invalid.status == .unprocessableContent)
                let fields = Set(((invalid.object["error"] as? [String: Any])?["fields"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
                #expect(fields == ["name", "ae_title", "host", "port"])

                let body = #"{"name":"pacs","ae_title":"PACS","host":"pacs.local","port":104,"retry_max_delay_seconds":600}"#
                let created = try await client.send(.post, "/api/v1/destinations", headers: op, json: body)
                #expect(created.status == .created)
                let id = try #require(created.object["id"] as? Int)
                #expect(created.object["retry_max_delay_seconds"] as? Int == 600)
                #expect(created.object["max_associations"] as? Int == 2)
                #expect(try await client.send(.post, "/api/v1/destinations", headers: op, json: body).status == .conflict)

                let updated = try await client.send(
                    .put, "/api/v1/destinations/\(id)", headers: op,
                    json: #"{"name":"pacs","ae_title":"PACS2","host":"10.0.0.5","port":11112,"enabled":false}"#)
                #expect(updated.status == .ok)
                #expect(updated.object["ae_title"] as? String == "PACS2")
                #expect(updated.object["enabled"] as? Bool == false)

                let route = try await client.send(
                    .post, "/api/v1/routes", headers: app.auth(.admin),
                    json: #"{"name":"ct-to-pacs","conditions":["modality=CT"],"destinations":["pacs"]}"#)
                #expect(route.status == .created)
                #expect(route.object["destinations"] as? [String] == ["pacs"])
                let inUse = try await client.send(.delete, "/api/v1/destinations/\(id)", headers: op)
                #expect(inUse.status == .conflict)
                #expect(inUse.text.contains("ct-to-pacs"))

                let routeID = try #require(route.object["id"] as? Int)
                #expect(try await client.send(.delete, "/api/v1/routes/\(routeID)", headers: app.auth(.admin)).status == .noContent)
                #expect(try await client.send(.delete, "/api/v1/destinations/\(id)", headers: op).status == .noContent)
                #expect(try await client.send(.get, "/api/v1/destinations/\(id)", headers: op).status == .notFound)
            }
            let actions = try await app.services.auditQuery.list(AuditFilter(actor: "operator"), limit: 20).map(\.action)
            #expect(actions == [AuditAction.destinationDeleted, AuditAction.destinationUpdated, AuditAction.destinationCreated])
        }
    }

    @Test("routes: unknown destinations and conditions are refused")
    func routeValidation() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await app.test { client in
                let response = try await client.send(
                    .post, "/api/v1/routes", headers: app.auth(.admin),
                    json: #"{"name":"r1","conditions":["colour=red",{"field":"modality","equals":3}],"mode":"later","destinations":["nowhere"]}"#)
                #expect(response.status == .unprocessableContent)
                let fields = Set(((response.object["error"] as? [String: Any])?["fields"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
                #expect(fields == ["conditions[0]", "conditions[1]", "mode"])
                let missing = try await client.send(
                    .post, "/api/v1/routes", headers: app.auth(.admin), json: #"{"name":"r1","destinations":["nowhere"]}"#)
                #expect(missing.status == .unprocessableContent)
                #expect(missing.text.contains("nowhere"))
                let malformed = try await client.send(.post, "/api/v1/routes", headers: app.auth(.admin), json: #"{"name":"#)
                #expect(malformed.status == .badRequest)
                #expect(malformed.errorCode == "bad_request")
            }
        }
    }

    @Test("users: create with a generated password, change role, the last admin is protected")
    func users() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await app.test { client in
                let admin = app.auth(.admin)
                let created = try await client.send(.post, "/api/v1/users", headers: admin, json: #"{"username":"alice","role":"operator"}"#)
                #expect(created.status == .created)
                let password = try #require(created.object["generated_password"] as? String)
                #expect(password.count >= 12)
                let login = try await client.send(
                    .post, "/api/v1/auth/login", json: #"{"username":"alice","password":"\#(password)"}"#)
                #expect(login.status == .ok)

                let weak = try await client.send(.post, "/api/v1/users", headers: admin, json: #"{"username":"bob","role":"viewer","password":"short"}"#)
                #expect(weak.status == .unprocessableContent)
                let badRole = try await client.send(.post, "/api/v1/users", headers: admin, json: #"{"username":"bob","role":"root"}"#)
                #expect(badRole.status == .badRequest)

                let adminUser = try #require(try await app.services.users.find(username: "admin"))
                let demote = try await client.send(.patch, "/api/v1/users/\(adminUser.id)", headers: admin, json: #"{"role":"viewer"}"#)
                #expect(demote.status == .conflict)
                let aliceID = try #require((created.object["user"] as? [String: Any])?["id"] as? Int)
                let promoted = try await client.send(.patch, "/api/v1/users/\(aliceID)", headers: admin, json: #"{"role":"admin"}"#)
                #expect(promoted.object["role"] as? String == "admin")
            }
        }
    }
}
