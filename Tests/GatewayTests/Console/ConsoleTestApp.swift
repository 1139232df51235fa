import Foundation
import Gateway
import HummingbirdTesting
import PostgresClient

/// Runs a console test: a fresh database with one account per role (``AdminTestApp``),
/// the fixture's data, and a router-level client.
enum ConsoleTestApp {
    static func with(
        tlsStore: TLSMaterialStore? = nil,
        _ body: @Sendable (AdminTestApp, ConsoleFixture, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            let fixture = try await ConsoleFixture.make(pool: pool)
            let server = AdminServer(services: app.services, tlsStore: tlsStore)
            try await server.makeApplication().test(.router) { client in
                try await body(app, fixture, client)
            }
        }
    }
}
