import DICOM
import JobQueue
import NIOPosix
import Foundation
public import DICOMNetwork
#if canImport(Glibc)
import Glibc
#endif
public import Logging
public import PostgresClient
import ServiceLifecycle
import UnixSignals
public import Storage

/// `dicom-gw serve`: the receiver (and, as they land, the admin API and the forward
/// workers) over one connection pool and one storage tree.
public final class GatewayServer: Sendable {
    public let configuration: GatewayConfiguration
    public let pool: PostgresPool
    public let layout: StorageLayout
    public let dicomServer: DICOMServer
    /// The TLS listener's context, swapped when an operator uploads a new certificate.
    public let tlsContextProvider: TLSContextProvider?
    private let logger: Logger
    private let io: BlockingIO

    /// Assembles the gateway; nothing starts until ``run()``.
    public init(configuration: GatewayConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        // File writes and fsyncs block for milliseconds; a pool of their own keeps them from
        // queueing behind each other (or behind NIO's small shared pool) under many associations.
        let fileThreads = NIOThreadPool(numberOfThreads: min(64, max(4, configuration.dicom.maxAssociations)))
        fileThreads.start()
        self.io = BlockingIO(threadPool: fileThreads)
        self.pool = PostgresPool(
            configuration: .init(
                url: configuration.database.url,
                maxConnections: configuration.database.maxConnections,
                connectTimeout: configuration.database.connectTimeout,
                acquireTimeout: configuration.database.connectTimeout,
                applicationName: "dicom-gw serve"
            ),
            logger: logger
        )
        let owner = configuration.storage.serviceUser.flatMap(FileOwner.named)
        self.layout = StorageLayout(root: configuration.storage.root, owner: geteuidIsRoot() ? owner : nil)
        let receiver = ReceiveService(
            configuration: .init(duplicatePolicy: configuration.storage.duplicatePolicy),
            layout: layout,
            pool: pool,
            io: io,
            hooks: ForwardHooks(queue: JobQueue(pool: pool, logger: logger)),
            logger: logger
        )
        var dicomConfiguration = configuration.dicomServerConfiguration
        if let tls = dicomConfiguration.tls, dicomConfiguration.tlsPort != nil {
            // Built here so the admin API can swap it; if the files are unreadable, the
            // listener reports the error when it starts.
            dicomConfiguration.tlsContextProvider = try? TLSContextProvider(settings: tls)
        }
        self.tlsContextProvider = dicomConfiguration.tlsContextProvider
        self.dicomServer = DICOMServer(
            configuration: dicomConfiguration,
            handler: receiver,
            observer: AssociationRecorder(pool: pool, logger: logger),
            logger: logger
        )
    }

    deinit {
        io.threadPool.shutdownGracefully { _ in }
    }

    /// Prepares the tree, checks the schema, recovers from a crash, then serves until SIGTERM
    /// or SIGINT.
    ///
    /// - Throws: when the storage root cannot be prepared or the schema is too old; the
    ///   database may be down at start-up (the receiver answers `A700` until it is back).
    public func run() async throws {
        let layout = self.layout
        try await io.run { () throws(StorageError) in try layout.prepare() }
        let removed = try await StartupRecovery.removePartialFiles(in: layout, io: io)
        if removed > 0 {
            logger.notice("removed partial files left in incoming/ by an interrupted receive", metadata: ["storage.count": "\(removed)"])
        }
        await checkSchema()
        await prepareForwarding()
        // Files older than this start are candidates for orphan recovery; newer ones belong
        // to this run's receivers.
        let recovery = OrphanRecoveryService(
            layout: layout, io: io, pool: pool, startedAt: Date(),
            onIndexed: ForwardHooks(queue: JobQueue(pool: pool, logger: logger)).orphanIndexedHook(layout: layout, io: io),
            logger: logger)

        let admin = try makeAdmin()

        // Services shut down in reverse order: the listeners drain before the pool closes.
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: PoolService(pool: pool)),
                .init(service: QuietCancellation(admin.services.auditSealer)),
                .init(service: QuietCancellation(admin.services.sessionSweeper)),
                .init(service: JobMetricsService(sampler: JobMetricsSampler(queue: JobQueue(pool: pool, logger: logger), logger: logger))),
                .init(service: QuietCancellation(forwardService)),
                .init(service: QuietCancellation(admin.application)),
                .init(service: DICOMListenerService(server: dicomServer)),
                .init(service: QuietCancellation(recovery), successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(30)
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
    }

    // MARK: Admin HTTP API and metrics (Sources/Gateway/Admin, Metrics)

    private func makeAdmin() throws -> (services: AdminServices, application: some Service) {
        let registry = GatewayMetrics.bootstrapOnce()
        var services = AdminServices(
            pool: pool, metricsRegistry: registry, callingAETitle: configuration.dicom.aeTitle, logger: logger)
        services.storageRoot = configuration.storage.root
        let pool = self.pool
        let layout = self.layout
        let io = self.io
        let server = dicomServer
        let readiness = [
            ReadinessCheck.database(pool),
            ReadinessCheck.storage(layout, io: io),
            ReadinessCheck(name: "listeners") { _ = try await server.listeningPorts() },
        ]
        let certificates = [configuration.tls.certificateFile, configuration.admin.tlsCertificateFile].compactMap { $0 }
        var gauges = ResourceGauges(storageRoot: configuration.storage.root, certificatePaths: certificates)
        gauges.additionalSamplers = OperationalGauges(pool: pool, queue: JobQueue(pool: pool, logger: logger)).samplers
        let admin = AdminServer(
            configuration: try .init(configuration.admin),
            services: services,
            readinessChecks: readiness,
            resourceGauges: gauges,
            tlsStore: makeTLSStore()
        )
        logger.info("admin API listening", metadata: ["admin.listen": "\(configuration.admin.listen)"])
        return (services, try admin.makeApplication(logger: logger))
    }

    /// The DICOM listener's certificate for `/api/v1/tls`: an upload is written, then the
    /// listener's context is rebuilt from the files for the next association.
    private func makeTLSStore() -> TLSMaterialStore? {
        guard let certificate = configuration.tls.certificateFile, let key = configuration.tls.keyFile,
              let provider = tlsContextProvider, let settings = configuration.dicomServerConfiguration.tls
        else { return nil }
        return TLSMaterialStore(paths: .init(certificate: certificate, key: key, ca: configuration.tls.caFile)) {
            try await NIOThreadPool.singleton.runIfActive { try provider.reload(settings) }
        }
    }

    // MARK: Forwarding (Sources/Gateway/Forward)

    /// In-process forward workers (``GatewayConfiguration/Workers/count``, 0 allowed), the
    /// rescuer and the archive sweep.
    private var forwardService: ForwardService {
        ForwardService(
            pool: pool, layout: layout, settings: configuration.forward.settings, workers: configuration.workers.count,
            name: "serve", logger: logger)
    }

    private func prepareForwarding() async {
        do {
            try await ForwardSetup.prepare(pool: pool, forward: configuration.forward, logger: logger)
        } catch {
            logger.error("forwarding set-up failed; nothing was synced from the configuration file: \(error)")
        }
        // Apart from the set-up above: an unparsable declaration must not hide the warning.
        do {
            Destination.warnUnverifiedTLS(try await DestinationStore(pool: pool).list(), logger: logger)
        } catch {
            logger.error("could not read the destinations to check their TLS settings: \(error)")
        }
    }

    private func checkSchema() async {
        do {
            let applied = try await GatewaySchema.appliedVersion(pool)
            if (applied ?? 0) < GatewaySchema.requiredVersion {
                logger.critical(
                    "the database schema is older than this gateway needs: run 'dicom-gw migrate'",
                    metadata: ["schema.applied": "\(applied.map(String.init) ?? "none")", "schema.required": "\(GatewaySchema.requiredVersion)"]
                )
            }
        } catch {
            logger.error("database unreachable at start-up; objects get A700 until it answers", metadata: ["error": "\(error)"])
        }
    }
}

private func geteuidIsRoot() -> Bool {
    geteuid() == 0
}
