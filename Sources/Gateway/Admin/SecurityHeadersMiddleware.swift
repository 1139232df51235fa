public import Hummingbird

/// Headers every admin response carries: no sniffing, no framing, no caching of API data,
/// and a closed Content-Security-Policy unless the handler set one.
public struct SecurityHeadersMiddleware: RouterMiddleware {
    public typealias Context = AdminRequestContext

    /// Whether to send `Strict-Transport-Security` (the console is reached over HTTPS).
    let strictTransportSecurity: Bool

    /// Creates the middleware.
    /// - Parameter strictTransportSecurity: send HSTS; true when the server or a proxy in
    ///   front of it speaks HTTPS.
    public init(strictTransportSecurity: Bool = false) {
        self.strictTransportSecurity = strictTransportSecurity
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        if strictTransportSecurity {
            response.headers[.strictTransportSecurity] = "max-age=31536000"
        }
        // JSON needs nothing from the page it might be rendered in; the console sets its own.
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        }
        return response
    }
}
