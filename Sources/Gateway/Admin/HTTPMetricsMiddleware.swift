public import Hummingbird
public import Metrics

/// Counts requests and times them per method, route template and status
/// (``GatewayMetrics/httpRequests``, ``GatewayMetrics/httpRequestDuration``).
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let factory: any MetricsFactory

    /// Emits through `factory`.
    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let status: HTTPResponse.Status
        let response: Response
        do {
            response = try await next(request, context)
            status = response.status
        } catch {
            record(request, context, (error as? any HTTPResponseError)?.status ?? .internalServerError, start)
            throw error
        }
        record(request, context, status, start)
        return response
    }

    func record(_ request: Request, _ context: Context, _ status: HTTPResponse.Status, _ start: ContinuousClock.Instant) {
        // The route template, never the raw path: ids in paths would explode the series count.
        let route = context.endpointPath.map(Self.openAPIPath) ?? "unmatched"
        let method = request.method.rawValue
        Counter(
            label: GatewayMetrics.httpRequests,
            dimensions: [
                (GatewayMetrics.Label.method, method), (GatewayMetrics.Label.route, route),
                (GatewayMetrics.Label.status, String(status.code)),
            ],
            factory: factory
        ).increment()
        let elapsed = ContinuousClock.now - start
        Metrics.Timer(
            label: GatewayMetrics.httpRequestDuration,
            dimensions: [(GatewayMetrics.Label.method, method), (GatewayMetrics.Label.route, route)],
            factory: factory
        ).recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }

    /// `/api/v1/users/:id` → `/api/v1/users/{id}`.
    static func openAPIPath(_ path: String) -> String {
        if path == "NotFound" { return "unmatched" }
        return path.split(separator: "/", omittingEmptySubsequences: false).map { component in
            component.hasPrefix(":") ? "{\(component.dropFirst())}" : String(component)
        }.joined(separator: "/")
    }
}
