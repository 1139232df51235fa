public import Logging
import PostgresClient
import ServiceLifecycle
import Storage
import UnixSignals

/// `dicom-gw worker`: forward workers only, with their own pool, until SIGTERM or SIGINT.
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
    /// - Throws: what the service group throws.
    public func run() async throws {
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
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: PoolService(pool: pool)), .init(service: service)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
