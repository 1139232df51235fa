import Crypto
import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresClient
import TestSupport
import Testing

@Suite("API tokens", .requiresDatabase)
struct APITokenTests {
    @Test("a token works until revoked, is stored only as its SHA-256, and is shown once")
    func issueUseRevoke() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await app.test { client in
                let issued = try await client.send(
                    .post, "/api/v1/auth/tokens", headers: app.auth(.operator), json: #"{"name":"backup script","expires_in_days":7}"#)
                #expect(issued.status == .created)
                let token = try #require(issued.object["token"] as? String)
                #expect(token.hasPrefix("dgw_"))
                let id = try #require((issued.object["api_token"] as? [String: Any])?["id"] as? Int)

                let stored = try await pool.query("SELECT token_hash FROM dicom_gw.api_tokens WHERE id = $1", [Int64(id)])
                let hash = try #require(try stored.first?.decode([UInt8].self, column: "token_hash"))
                #expect(hash == Array(SHA256.hash(data: Array(token.utf8))))
                let listed = try await client.send(.get, "/api/v1/auth/tokens", headers: app.auth(.operator))
                #expect(!listed.text.contains(token))

                let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
                #expect(try await client.send(.get, "/api/v1/auth/me", headers: bearer).status == .ok)

                // A viewer cannot revoke someone else's token: it looks absent.
                #expect(try await client.send(.delete, "/api/v1/auth/tokens/\(id)", headers: app.auth(.viewer)).status == .notFound)
                let revoked = try await client.send(.delete, "/api/v1/auth/tokens/\(id)", headers: app.auth(.operator))
                #expect(revoked.status == .ok)
                #expect(revoked.object["revoked_at"] is String)
                #expect(try await client.send(.get, "/api/v1/auth/me", headers: bearer).status == .unauthorized)
            }
            let audit = try await app.services.auditQuery.list(AuditFilter(action: "token.*"), limit: 10)
            #expect(Set(audit.map(\.action)).isSuperset(of: [AuditAction.tokenCreated, AuditAction.tokenRevoked]))
        }
    }

    @Test("an expired token is refused")
    func expiry() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await app.test { client in
                #expect(try await client.send(.get, "/api/v1/auth/me", headers: app.auth(.viewer)).status == .ok)
                try await pool.execute(
                    """
                    UPDATE dicom_gw.api_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second'
                     WHERE user_id = (SELECT id FROM dicom_gw.users WHERE username = 'viewer')
                    """)
                let response = try await client.send(.get, "/api/v1/auth/me", headers: app.auth(.viewer))
                #expect(response.status == .unauthorized)
                #expect(try await client.send(.get, "/api/v1/auth/me", headers: app.auth(.admin)).status == .ok)
            }
        }
    }

    @Test("token lifetimes are bounded")
    func lifetimeValidation() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await app.test { client in
                let response = try await client.send(
                    .post, "/api/v1/auth/tokens", headers: app.auth(.viewer), json: #"{"name":"x","expires_in_days":100000}"#)
                #expect(response.status == .unprocessableContent)
                #expect(response.errorCode == "validation_failed")
                let fields = response.object["error"].flatMap { ($0 as? [String: Any])?["fields"] as? [[String: Any]] } ?? []
                #expect(fields.first?["field"] as? String == "expires_in_days")
            }
        }
    }
}
