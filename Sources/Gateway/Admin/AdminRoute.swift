public import HTTPTypes

/// One route of the admin HTTP server, as listed in `docs/openapi.yaml`.
public struct AdminRoute: Hashable, Sendable, CustomStringConvertible {
    /// Who may call a route.
    public enum Access: Hashable, Sendable {
        /// Anyone (health, metrics, login).
        case anonymous
        /// An authenticated user holding at least this role.
        case role(Role)
    }

    /// The HTTP method.
    public var method: HTTPRequest.Method
    /// The path in OpenAPI form, parameters in braces: `/api/v1/users/{id}`.
    public var path: String
    /// Who may call it.
    public var access: Access

    /// Creates a route description.
    public init(method: HTTPRequest.Method, path: String, access: Access) {
        self.method = method
        self.path = path
        self.access = access
    }

    /// Whether the route changes state (and so needs CSRF protection under a session).
    public var isMutating: Bool { ![.get, .head, .options].contains(method) }

    public var description: String { "\(method) \(path)" }

    /// The path in Hummingbird's router syntax (`:id` for `{id}`).
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { component in
            if component.hasPrefix("{") && component.hasSuffix("}") {
                return ":" + component.dropFirst().dropLast()
            }
            return String(component)
        }.joined(separator: "/")
    }
}
