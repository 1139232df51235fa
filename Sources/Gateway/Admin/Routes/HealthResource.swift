import Hummingbird
import Prometheus

/// `/healthz`, `/readyz` and `/metrics`: open to anyone (the server binds to loopback by
/// default; put it behind a proxy before exposing these).
struct HealthResource: AdminResource {
    let readinessChecks: [ReadinessCheck]
    let registry: PrometheusCollectorRegistry
    let resourceGauges: ResourceGauges?

    struct Health: ResponseEncodable {
        let status: String
    }

    struct Readiness: ResponseEncodable {
        struct Check: Codable {
            let name: String
            let ok: Bool
            let error: String?
        }
        let status: String
        let checks: [Check]
    }

    func register(on routes: AdminRouteBuilder) {
        routes.add(.get, "/healthz", access: .anonymous) { _, _ in Health(status: "ok") }

        let checks = readinessChecks
        routes.add(.get, "/readyz", access: .anonymous) { request, context in
            var results: [Readiness.Check] = []
            for check in checks {
                do {
                    try await check.check()
                    results.append(.init(name: check.name, ok: true, error: nil))
                } catch {
                    results.append(.init(name: check.name, ok: false, error: "\(error)"))
                }
            }
            let ready = results.allSatisfy(\.ok)
            var response = try Readiness(status: ready ? "ready" : "not_ready", checks: results)
                .response(from: request, context: context)
            response.status = ready ? .ok : .serviceUnavailable
            return response
        }

        let registry = self.registry
        let gauges = resourceGauges
        routes.add(.get, "/metrics", access: .anonymous) { _, _ in
            await gauges?.sample()
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: .init(bytes: buffer)))
        }
    }
}
