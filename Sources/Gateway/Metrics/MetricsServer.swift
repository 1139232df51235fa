import Hummingbird
public import Logging
public import Prometheus
public import ServiceLifecycle
import Synchronization

/// `/healthz`, `/readyz` and `/metrics` alone, for a process without the admin API
/// (`dicom-gw worker`, `workers.metrics_listen`).
///
/// The endpoints are the admin server's own (``HealthResource``, with its request metrics,
/// security headers and error shape), so they answer exactly as `serve`'s do: anonymous, like
/// serve's. A `Service`: nothing listens before ``run()``, and graceful shutdown stops it.
public struct MetricsServer: Service {
    /// Where the server listens.
    public struct Configuration: Sendable, Equatable, CustomStringConvertible {
        /// The address to bind.
        public var host: String
        /// The port; 0 picks a free one (see ``MetricsServer/init(configuration:registry:readinessChecks:resourceGauges:logger:onListening:)``).
        public var port: Int

        /// An address and port.
        public init(host: String = "127.0.0.1", port: Int) {
            self.host = host
            self.port = port
        }

        /// Parses `HOST:PORT` (`[::1]:9181` for IPv6) as `admin.listen` is parsed.
        /// - Parameter key: the configuration key named in the error.
        /// - Throws: ``ConfigurationError`` when `listen` is not `HOST:PORT` with a port from 0 to 65535.
        public init(listen: String, key: String = "workers.metrics_listen") throws(ConfigurationError) {
            var parsed = AdminServer.Configuration()
            do {
                try parsed.setListenAddress(listen)
            } catch {
                throw ConfigurationError(key: key, message: "'\(listen)' is not HOST:PORT ([::1]:9181 for IPv6) with a port from 0 to 65535")
            }
            self.init(host: parsed.host, port: parsed.port)
        }

        /// `HOST:PORT`, the host bracketed when it is an IPv6 address.
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// The address.
    public let configuration: Configuration
    let registry: PrometheusCollectorRegistry
    let readinessChecks: [ReadinessCheck]
    let resourceGauges: ResourceGauges?
    let logger: Logger
    let onListening: @Sendable (Int) async -> Void

    /// Creates the server; nothing listens before ``run()``.
    /// - Parameters:
    ///   - configuration: address and port.
    ///   - registry: what `/metrics` serves (``GatewayMetrics/bootstrapOnce()``'s in a process).
    ///   - readinessChecks: what `/readyz` checks.
    ///   - resourceGauges: gauges refreshed at each `/metrics` scrape.
    ///   - onListening: called with the bound port once the server listens.
    public init(
        configuration: Configuration, registry: PrometheusCollectorRegistry, readinessChecks: [ReadinessCheck] = [],
        resourceGauges: ResourceGauges? = nil, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.registry = registry
        self.readinessChecks = readinessChecks
        self.resourceGauges = resourceGauges
        self.logger = logger
        self.onListening = onListening
    }

    /// The router: the admin server's health resource and middleware, no other route.
    func buildRouter() -> Router<AdminRequestContext> {
        let router = Router(context: AdminRequestContext.self)
        router.add(middleware: HTTPMetricsMiddleware(factory: GatewayMetrics.makeFactory(registry: registry)))
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ErrorMiddleware())
        let builder = AdminRouteBuilder(router: router)
        HealthResource(readinessChecks: readinessChecks, registry: registry, resourceGauges: resourceGauges).register(on: builder)
        return router
    }

    /// Serves until graceful shutdown (or cancellation, which is a normal end too).
    /// - Throws: ``MetricsListenError`` when the address cannot be bound (in use, not local,
    ///   not resolvable); what the HTTP server throws afterwards.
    public func run() async throws {
        let listening = ListeningFlag()
        let configuration = self.configuration
        let logger = self.logger
        let onListening = self.onListening
        let application = Application(
            router: buildRouter(),
            server: .http1(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "dicom-gw"),
            onServerRunning: { channel in
                listening.set()
                let port = channel.localAddress?.port ?? configuration.port
                let address = Configuration(host: configuration.host, port: port)
                logger.info("metrics listening", metadata: ["metrics.listen": "\(address)"])
                await onListening(port)
            },
            logger: logger)
        do {
            try await application.run()
        } catch is CancellationError {
            return
        } catch {
            // Before the server ran, the failure is the bind (or the host's resolution): say
            // which address, so the operator does not read a bare errno.
            guard listening.isSet else { throw MetricsListenError(address: configuration.description, underlying: error) }
            throw error
        }
    }
}

/// Whether the server reached the listening state; set from the server's callback.
private final class ListeningFlag: Sendable {
    private let value = Mutex(false)

    func set() { value.withLock { $0 = true } }

    var isSet: Bool { value.withLock { $0 } }
}
