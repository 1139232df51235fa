import Hummingbird
import Synchronization
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

    struct TimedOut: Error, CustomStringConvertible {
        var description: String { "no answer within 5 seconds" }
    }

    /// Runs `body`, failing with ``TimedOut`` if it takes longer than `limit`: a stuck
    /// dependency must make the probe answer "not ready", not hang it. A check that ignores
    /// cancellation is left to finish in the background.
    static func withTimeout(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let once = ResumeOnce(continuation)
            let work = Task {
                do {
                    try await body()
                    once.resume(with: .success(()))
                } catch {
                    once.resume(with: .failure(error))
                }
            }
            Task {
                try? await Task.sleep(for: limit)
                once.resume(with: .failure(TimedOut()))
                work.cancel()
            }
        }
    }

    /// Resumes a continuation at most once, whichever side finishes first.
    final class ResumeOnce: Sendable {
        let state: Mutex<CheckedContinuation<Void, any Error>?>

        init(_ continuation: CheckedContinuation<Void, any Error>) {
            self.state = Mutex(continuation)
        }

        func resume(with result: Result<Void, any Error>) {
            let continuation = state.withLock { value in
                defer { value = nil }
                return value
            }
            continuation?.resume(with: result)
        }
    }

    func register(on routes: AdminRouteBuilder) {
        routes.add(.get, "/healthz", access: .anonymous) { _, _ in Health(status: "ok") }

        let checks = readinessChecks
        routes.add(.get, "/readyz", access: .anonymous) { request, context in
            var results: [Readiness.Check] = []
            for check in checks {
                do {
                    try await Self.withTimeout(.seconds(5), check.check)
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
