import JobQueue
public import Logging
public import PostgresClient
public import ServiceLifecycle
public import Storage

/// The forward side of a process as one `Service`: `workers` claim loops sending batches
/// (none when 0), the rescuer returning jobs of dead workers (and dropping job history older
/// than ``ForwardSettings/jobHistoryDays``), and a sweep applying the archive policy to
/// objects settled by operator actions or interrupted workers.
public struct ForwardService: Service {
    let pool: PostgresPool
    let layout: StorageLayout
    let settings: ForwardSettings
    let workers: Int
    let name: String
    let logger: Logger

    /// A service; nothing runs before ``run()``.
    public init(pool: PostgresPool, layout: StorageLayout, settings: ForwardSettings, workers: Int, name: String, logger: Logger) {
        self.pool = pool
        self.layout = layout
        self.settings = settings
        self.workers = workers
        self.name = name
        self.logger = logger
    }

    /// The rescuer `serve` and `worker` run for `settings`: rescue timing, and the job history
    /// retention (``ForwardSettings/jobHistoryDays``), whose old daily partitions it drops.
    static func rescuerConfiguration(_ settings: ForwardSettings) -> JobRescuer.Configuration {
        .init(silence: settings.rescueSilence, interval: settings.rescueInterval, keepHistoryDays: settings.jobHistoryDays)
    }

    /// Runs until graceful shutdown; batches in hand finish and are reported.
    public func run() async throws {
        let queue = JobQueue(pool: pool, logger: logger)
        let handler = ForwardHandler(pool: pool, layout: layout, settings: settings, logger: logger)
        let worker = JobWorker(
            queue: queue,
            configuration: .init(
                queue: ForwardHooks.queueName, name: name, concurrency: max(1, workers), batchSize: settings.batchSize,
                batchLinger: settings.batchLinger,
                leaseDuration: settings.leaseDuration,
                // Several beats per rescue window, or a short window would rescue live workers.
                heartbeatInterval: min(.seconds(3), settings.rescueSilence / 4),
                pollInterval: settings.pollInterval),
            logger: logger,
            handler: { batch in await handler.handle(batch) })
        let rescuer = JobRescuer(queue: queue, configuration: Self.rescuerConfiguration(settings), logger: logger)
        let archiver = Archiver(pool: pool, layout: layout, logger: logger)
        let workerCount = workers
        let interval = settings.rescueInterval
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingDiscardingTaskGroup { group in
                    if workerCount > 0 {
                        group.addTask { try await worker.run() }
                    }
                    group.addTask { try await rescuer.run() }
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: interval)
                            do { try await archiver.sweep() } catch { logger.debug("archive sweep failed: \(error)") }
                        }
                    }
                }
            }
        } catch is CancellationError {
            return
        }
    }
}
