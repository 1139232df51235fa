import Foundation
public import Hummingbird

/// `/api/v1/auth/…`: login, logout, who am I, own password, own API tokens.
struct AuthResource: AdminResource {
    let services: AdminServices
    let cookies: CookieSettings

    struct LoginRequest: Decodable {
        let username: String
        let password: String
    }

    struct Me: ResponseEncodable {
        let user: UserRecord
        let authentication: String
        let csrfToken: String?
        let expiresAt: Date?

        enum CodingKeys: String, CodingKey {
            case user, authentication
            case csrfToken = "csrf_token"
            case expiresAt = "expires_at"
        }
    }

    struct PasswordChange: Decodable {
        let currentPassword: String
        let newPassword: String

        enum CodingKeys: String, CodingKey {
            case currentPassword = "current_password"
            case newPassword = "new_password"
        }
    }

    struct TokenRequest: Decodable {
        let name: String
        let expiresInDays: Int?

        enum CodingKeys: String, CodingKey {
            case name
            case expiresInDays = "expires_in_days"
        }
    }

    struct IssuedToken: ResponseEncodable {
        let token: String
        let record: APITokenRecord

        enum CodingKeys: String, CodingKey {
            case token, record = "api_token"
        }
    }

    func register(on routes: AdminRouteBuilder) {
        let services = self.services
        let cookies = self.cookies

        routes.add(.post, "/api/v1/auth/login", access: .anonymous) { request, context in
            let body = try await request.decode(as: LoginRequest.self, context: context)
            guard body.username.utf8.count <= 64, body.password.utf8.count <= 1024,
                let login = try await services.authenticator.login(
                    username: body.username, password: body.password, address: context.remoteAddress),
                let user = try await services.users.find(id: login.principal.userID)
            else {
                throw APIError(
                    .unauthorized, code: .invalidCredentials,
                    message: "wrong username or password, or the account is locked or disabled")
            }
            var response = try Me(
                user: user, authentication: "session", csrfToken: login.csrfToken, expiresAt: login.expiresAt
            ).response(from: request, context: context)
            response.setCookie(
                cookies.sessionCookie(login.sessionToken, maxAge: max(Int(login.expiresAt.timeIntervalSinceNow), 1)))
            return response
        }

        routes.add(.post, "/api/v1/auth/logout", access: .role(.viewer)) { _, context in
            try await services.authenticator.logout(try context.requirePrincipal(), address: context.remoteAddress)
            var response = Response(status: .noContent)
            response.setCookie(cookies.expiredCookie())
            return response
        }

        routes.add(.get, "/api/v1/auth/me", access: .role(.viewer)) { _, context in
            let principal = try context.requirePrincipal()
            guard let user = try await services.users.find(id: principal.userID) else { throw APIError.unauthenticated }
            switch principal.credential {
            case .session(_, let csrf):
                return Me(user: user, authentication: "session", csrfToken: csrf, expiresAt: nil)
            case .apiToken:
                return Me(user: user, authentication: "api_token", csrfToken: nil, expiresAt: nil)
            }
        }

        routes.add(.put, "/api/v1/auth/password", access: .role(.viewer)) { request, context in
            let principal = try context.requirePrincipal()
            let body = try await request.decode(as: PasswordChange.self, context: context)
            guard try await services.authenticator.checkPassword(userID: principal.userID, password: body.currentPassword)
            else {
                throw APIError.invalid("current_password", "wrong password")
            }
            let user = try await services.users.setPassword(
                userID: principal.userID, password: body.newPassword, by: try context.auditActor())
            return user
        }

        routes.add(.get, "/api/v1/auth/tokens", access: .role(.viewer)) { _, context in
            ListResponse(try await services.tokens.list(userID: try context.requirePrincipal().userID))
        }

        routes.add(.post, "/api/v1/auth/tokens", access: .role(.viewer)) { request, context in
            let principal = try context.requirePrincipal()
            let body = try await request.decode(as: TokenRequest.self, context: context)
            let maxDays = Int(services.authenticator.policy.maxTokenLifetime.components.seconds / 86_400)
            let days = body.expiresInDays ?? 90
            guard (1...maxDays).contains(days) else {
                throw APIError.invalid("expires_in_days", "must be from 1 to \(maxDays)")
            }
            let issued = try await services.tokens.issue(
                userID: principal.userID, name: body.name, lifetime: .seconds(days * 86_400), by: try context.auditActor())
            return EditedResponse(status: .created, response: IssuedToken(token: issued.token, record: issued.record))
        }

        routes.add(.delete, "/api/v1/auth/tokens/{id}", access: .role(.viewer)) { _, context in
            let principal = try context.requirePrincipal()
            let id = try context.parameters.requireID("id")
            // Everyone may revoke their own tokens; admins anyone's. Others' tokens look absent.
            guard let token = try await services.tokens.find(id: id),
                token.userID == principal.userID || principal.role.includes(.admin)
            else { throw APIError.notFound("token") }
            return try await services.tokens.revoke(id: token.id, by: try context.auditActor())
        }
    }
}

extension UserRecord: ResponseEncodable {}
extension APITokenRecord: ResponseEncodable {}

extension Parameters {
    /// A positive 64-bit id path parameter, or 404 (a malformed id names nothing).
    func requireID(_ name: String) throws -> Int64 {
        guard let text = get(name), text.count <= 19, let id = Int64(text), id > 0 else {
            throw APIError.notFound("object")
        }
        return id
    }
}
