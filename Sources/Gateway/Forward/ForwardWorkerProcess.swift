import JobQueue
public import Logging
import PostgresClient
import ServiceLifecycle
import Storage
import UnixSignals

/// `dicom-gw worker`: forward workers only, with their own pool, until SIGTERM or SIGINT;
/// with `workers.metrics_listen`, also `/healthz`, `/readyz` and `/metrics` (``MetricsServer``).
public struct ForwardWorkerProcess: Sendable {
    let configuration: GatewayConfiguration
    let name: String
    let logger: Logger

    /// A worker process; nothing starts before ``run()``.
    /// - Parameter name: shown in the queue's worker rows (systemd passes `%H-%i`).
    public init(configuration: GatewayConfiguration, name: String = "worker", logger: Logger) {
        self.configuration = configuration
        self.name = name
        self.logger = logger
    }

    /// Runs `workers.count` claim loops (at least one) until a signal stops them gracefully.
    /// - Throws: ``ConfigurationError`` for an invalid `workers.metrics_listen`,
    ///   ``MetricsListenError`` when it cannot be bound, what the service group throws.
    public func run() async throws {
        let metricsAddress = try configuration.workers.metricsListen.map { try MetricsServer.Configuration(listen: $0) }
        let pool = PostgresPool(
            configuration: .init(
                url: configuration.database.url, maxConnections: configuration.database.maxConnections,
                connectTimeout: configuration.database.connectTimeout, acquireTimeout: configuration.database.connectTimeout,
                applicationName: "dicom-gw worker"),
            logger: logger)
        // As `serve` does: name each TLS destination whose host name is not verified.
        do {
            Destination.warnUnverifiedTLS(try await DestinationStore(pool: pool).list(), logger: logger)
        } catch {
            logger.warning("could not read the destinations to check their TLS settings: \(error)")
        }
        let layout = StorageLayout(root: configuration.storage.root)
        let service = ForwardService(
            pool: pool, layout: layout, settings: configuration.forward.settings,
            workers: max(1, configuration.workers.count), name: name, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: PoolService(pool: pool))]
        if let metricsAddress {
            // A bind failure ends the process (the operator asked for metrics), but through the
            // ordered shutdown: the claim loops deregister while the pool is still open.
            services.append(
                .init(service: makeMetricsServer(metricsAddress, pool: pool, layout: layout), failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        // Shut down in reverse order: the claim loops finish their batches while the metrics
        // server still answers (the last scrape sees the last forwards), the pool closes last.
        services.append(.init(service: service))
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Serve's health and metrics endpoints for this process: the forward counters and timers
    /// of its claim loops, its pool and the free space under its storage root. Not the queue
    /// gauges: they are read from the database, the same for every process, and every `serve`
    /// already exports them; repeating them from each worker would multiply their series and
    /// the queries behind each scrape.
    private func makeMetricsServer(_ address: MetricsServer.Configuration, pool: PostgresPool, layout: StorageLayout) -> MetricsServer {
        let registry = GatewayMetrics.bootstrapOnce()
        let operational = OperationalGauges(pool: pool, queue: JobQueue(pool: pool, logger: logger))
        var gauges = ResourceGauges(storageRoot: configuration.storage.root, certificatePaths: [])
        gauges.additionalSamplers = [{ factory in operational.samplePool(factory) }]
        // The checks `serve` runs, but the listeners: a worker has none.
        let readiness = [ReadinessCheck.database(pool), ReadinessCheck.storage(layout, io: BlockingIO())]
        return MetricsServer(configuration: address, registry: registry, readinessChecks: readiness, resourceGauges: gauges, logger: logger)
    }
}
