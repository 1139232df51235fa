import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PostgresClient
import Prometheus

/// An admin server over a fresh database, with one account per role and a token for each.
struct AdminTestApp {
    let pool: PostgresPool
    let services: AdminServices
    let server: AdminServer
    let registry: PrometheusCollectorRegistry
    /// Bearer tokens by role name.
    let tokens: [String: String]
    /// The accounts' password.
    static let password = "correct horse battery"

    static let actor = AuditEvent.Actor.user("test")

    /// Builds the app and its accounts (bcrypt cost 4 to stay fast).
    static func make(
        pool: PostgresPool, policy: Authenticator.Policy = .init(), configuration: AdminServer.Configuration = .init(),
        readinessChecks: [ReadinessCheck] = [], storageRoot: String? = nil
    ) async throws -> AdminTestApp {
        let registry = PrometheusCollectorRegistry()
        var services = AdminServices(
            pool: pool, hasher: PasswordHasher(cost: 4), policy: policy, metricsRegistry: registry,
            logger: Logger(label: "admin-test"))
        services.storageRoot = storageRoot
        var tokens: [String: String] = [:]
        for role in Role.all {
            let user = try await services.users.create(username: role.name, password: password, role: role, by: actor)
            tokens[role.name] = try await services.tokens.issue(
                userID: user.id, name: "test", lifetime: .seconds(3600), by: actor
            ).token
        }
        let server = AdminServer(configuration: configuration, services: services, readinessChecks: readinessChecks)
        return AdminTestApp(pool: pool, services: services, server: server, registry: registry, tokens: tokens)
    }

    /// Runs `body` with a router-level test client.
    func test<T>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await server.makeApplication().test(.router, body)
    }

    /// Headers authenticating as `role` with its API token.
    func auth(_ role: Role, json: Bool = true) -> HTTPFields {
        var fields: HTTPFields = [.authorization: "Bearer \(tokens[role.name] ?? "")"]
        if json { fields[.contentType] = "application/json" }
        return fields
    }
}

extension TestClientProtocol {
    /// Sends a JSON body.
    func send(
        _ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], json: String? = nil
    ) async throws -> TestResponse {
        var headers = headers
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    /// The body as text.
    var text: String { String(buffer: body) }

    /// The body as a JSON object.
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// `error.code` of an error response.
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
}
