public import Hummingbird

/// Finds the caller: an `Authorization: Bearer dgw_…` API token, else the session cookie.
/// Leaves the context anonymous when neither is valid; the route's access rule decides.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = AdminRequestContext

    /// The session cookie's name.
    public static let sessionCookie = "dgw_session"

    let authenticator: Authenticator

    /// Authenticates through `authenticator`.
    public init(authenticator: Authenticator) {
        self.authenticator = authenticator
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                context.principal = try await authenticator.principal(apiToken: String(parts[1]))
            }
            // A wrong scheme or token is not an error here: the request is simply anonymous.
        } else if let cookie = request.cookies[Self.sessionCookie] {
            context.principal = try await authenticator.principal(sessionToken: cookie.value)
        }
        return try await next(request, context)
    }
}
