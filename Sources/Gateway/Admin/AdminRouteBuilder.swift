public import Hummingbird
public import HTTPTypes

/// Registers the admin server's routes and remembers each one with its access rule, so the
/// route table can be checked against `docs/openapi.yaml` and tested for authorisation.
///
/// Every handler is wrapped in the access check: a route that needs a role answers 401
/// without credentials and 403 with too low a role before its handler runs (and before its
/// body is read), and a session-authenticated change must carry the session's CSRF token
/// in `X-CSRF-Token`.
public final class AdminRouteBuilder {
    /// The header carrying the CSRF token for session-authenticated changes.
    public static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    let router: Router<AdminRequestContext>
    /// Every route registered so far.
    public private(set) var routes: [AdminRoute] = []

    init(router: Router<AdminRequestContext>) {
        self.router = router
    }

    /// Adds a route.
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - path: the OpenAPI-form path (`/api/v1/users/{id}`).
    ///   - access: who may call it.
    ///   - handler: the handler, called only once access is granted.
    public func add<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method,
        _ path: String,
        access: AdminRoute.Access,
        handler: @escaping @Sendable (Request, AdminRequestContext) async throws -> Output
    ) {
        let route = AdminRoute(method: method, path: path, access: access)
        precondition(!routes.contains { $0.method == method && $0.path == path }, "duplicate route \(route)")
        routes.append(route)
        router.on(RouterPath(route.routerPath), method: method) { request, context in
            try Self.authorize(route, request: request, context: context)
            return try await handler(request, context)
        }
    }

    static func authorize(_ route: AdminRoute, request: Request, context: AdminRequestContext) throws {
        guard case .role(let required) = route.access else { return }
        let principal = try context.requirePrincipal()
        guard principal.role.includes(required) else { throw APIError.forbidden(required) }
        if route.isMutating, case .session(_, let csrfToken) = principal.credential {
            // SameSite=Strict already keeps other sites' requests from carrying the cookie;
            // the token is the second line, for browsers or proxies that do not honour it.
            guard let sent = request.headers[csrfHeader], constantTimeEqual(sent, csrfToken) else {
                throw APIError(.forbidden, code: .csrfFailed, message: "missing or wrong X-CSRF-Token header")
            }
        }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
