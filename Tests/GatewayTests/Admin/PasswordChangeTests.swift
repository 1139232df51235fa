import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresClient
import TestSupport
import Testing

@Suite("Password change", .requiresDatabase)
struct PasswordChangeTests {
    @Test("a new password ends the user's sessions and revokes their API tokens, and says so in the audit log")
    func revokesTokens() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await app.test { client in
                #expect(try await client.send(.get, "/api/v1/jobs", headers: app.auth(.operator)).status == .ok)
                let user = try #require(try await app.services.users.find(username: "operator"))
                _ = try await app.services.users.setPassword(userID: user.id, password: "another long passphrase", by: AdminTestApp.actor)
                #expect(try await client.send(.get, "/api/v1/jobs", headers: app.auth(.operator)).status == .unauthorized)
                // Other users' tokens are untouched.
                #expect(try await client.send(.get, "/api/v1/jobs", headers: app.auth(.viewer)).status == .ok)
            }
            let details = try await pool.query(
                "SELECT details->>'api_tokens_revoked' AS n FROM dicom_gw.audit_events WHERE action = $1 AND object_id = 'operator'",
                [AuditAction.userPasswordChanged])
            #expect(try details.first?.decode(String.self, column: "n") == "1")
        }
    }
}
