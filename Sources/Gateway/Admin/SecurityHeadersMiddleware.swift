public import Hummingbird

/// Headers every admin response carries: no sniffing, no framing, no caching of API data,
/// and a closed Content-Security-Policy unless the handler set one.
public struct SecurityHeadersMiddleware: RouterMiddleware {
    public typealias Context = AdminRequestContext

    /// Creates the middleware.
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        // JSON needs nothing from the page it might be rendered in; the console sets its own.
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        }
        return response
    }
}
