public import Logging
import PostgresClient

/// Returns the jobs of silent or vanished workers and of blown deadlines to the queue, and
/// keeps the history partitions ahead of time. Any number of processes may run one.
///
/// A job is back in the queue at most ``Configuration/silence`` plus ``Configuration/interval``
/// after its worker's last heartbeat (defaults: 15 s + 5 s).
public struct JobRescuer: Sendable {
    /// How often and how strictly it rescues.
    public struct Configuration: Sendable {
        /// A worker unheard for this long is presumed dead.
        public var silence: Duration
        /// Time between passes (±20 % jitter, so processes spread out).
        public var interval: Duration
        /// History partitions are created this many days ahead.
        public var partitionDaysAhead: Int
        /// How often partitions are checked.
        public var partitionInterval: Duration
        /// Whole days of history kept; nil keeps everything.
        public var keepHistoryDays: Int?

        /// A configuration with defaults.
        public init(
            silence: Duration = .seconds(15),
            interval: Duration = .seconds(5),
            partitionDaysAhead: Int = 7,
            partitionInterval: Duration = .seconds(3600),
            keepHistoryDays: Int? = nil
        ) {
            self.silence = silence
            self.interval = interval
            self.partitionDaysAhead = partitionDaysAhead
            self.partitionInterval = partitionInterval
            self.keepHistoryDays = keepHistoryDays
        }
    }

    /// The settings it runs with.
    public let configuration: Configuration
    private let queue: JobQueue
    private let logger: Logger

    /// A rescuer; nothing starts before ``run()``.
    public init(queue: JobQueue, configuration: Configuration = .init(), logger: Logger) {
        self.queue = queue
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs passes until cancelled.
    public func run() async throws {
        var lastPartitions: ContinuousClock.Instant?
        while !Task.isCancelled {
            await pass()
            if lastPartitions.map({ ContinuousClock.now - $0 >= configuration.partitionInterval }) ?? true {
                await maintainPartitions()
                lastPartitions = .now
            }
            do {
                try await Task.sleep(for: configuration.interval * Double.random(in: 0.8...1.2))
            } catch {
                return
            }
        }
    }

    /// One rescue pass.
    /// - Returns: the jobs rescued or discarded.
    @discardableResult
    public func pass() async -> [JobQueue.RescuedJob] {
        do {
            let rescued = try await queue.rescue(silence: configuration.silence)
            for job in rescued {
                logger.warning(job.discarded ? "job discarded by the rescuer: attempts spent" : "job rescued", metadata: [
                    JobQueueMetadata.jobID: "\(job.id)", JobQueueMetadata.lane: "\(job.lane)",
                ])
            }
            return rescued
        } catch {
            logger.warning("job rescue pass failed: \(error)")
            return []
        }
    }

    private func maintainPartitions() async {
        do {
            let created = try await queue.createHistoryPartitions(daysAhead: configuration.partitionDaysAhead)
            if !created.isEmpty { logger.info("job history partitions created: \(created)") }
            if let keep = configuration.keepHistoryDays {
                let dropped = try await queue.dropHistoryPartitions(keepDays: keep)
                if !dropped.isEmpty { logger.info("job history partitions dropped: \(dropped)") }
            }
        } catch {
            logger.warning("job history partition maintenance failed: \(error)")
        }
    }
}
