public import JobQueue
public import Metrics
public import PostgresClient
import Synchronization

/// Samplers of the database pool and the forward queue, refreshed at each `/metrics`
/// scrape through ``ResourceGauges/additionalSamplers``.
///
/// Queue figures come from the database, so every process reports the whole gateway's
/// queue; pool figures are this process's own.
public final class OperationalGauges: Sendable {
    let pool: PostgresPool
    let queue: JobQueue
    let destinations: DestinationStore
    /// Last values pushed into monotonic counters, to add only the difference.
    private let pushed = Mutex<[String: Int64]>([:])

    /// Samplers over `pool` (its own statistics, and the queue and destinations it reaches).
    public init(pool: PostgresPool, queue: JobQueue) {
        self.pool = pool
        self.queue = queue
        self.destinations = DestinationStore(pool: pool)
    }

    /// The samplers to add to ``ResourceGauges/additionalSamplers``.
    public var samplers: [@Sendable (any MetricsFactory) async -> Void] {
        [
            { [self] factory in self.samplePool(factory) },
            { [self] factory in await self.sampleQueue(factory) },
        ]
    }

    /// Connections in use and the waits for one.
    public func samplePool(_ factory: any MetricsFactory) {
        let statistics = pool.statistics()
        Gauge(label: GatewayMetrics.databasePoolInUse, factory: factory).record(statistics.inUse)
        Gauge(label: GatewayMetrics.databasePoolWaiting, factory: factory).record(statistics.waiting)
        advance(GatewayMetrics.databasePoolWaits, to: Int64(clamping: statistics.waits), factory: factory)
    }

    /// Queue depth, oldest wait and pause per destination; stale completions and rescues.
    /// A database error leaves the previous values (the scrape must still answer).
    public func sampleQueue(_ factory: any MetricsFactory) async {
        guard let all = try? await destinations.list(), let depth = try? await queue.depth() else { return }
        var waiting: [String: Int64] = [:]
        var oldest: [String: Double] = [:]
        var lanePaused: Set<String> = []
        for row in depth where row.queue == ForwardHooks.queueName {
            if row.lanePaused { lanePaused.insert(row.lane) }
            guard row.state != "running" else { continue }
            waiting[row.lane, default: 0] += row.jobs
            let seconds = Double(row.oldestWait.components.seconds) + Double(row.oldestWait.components.attoseconds) / 1e18
            oldest[row.lane] = max(oldest[row.lane] ?? 0, seconds)
        }
        for destination in all {
            let dimensions = [(GatewayMetrics.Label.destination, destination.name)]
            Gauge(label: GatewayMetrics.queueDepth, dimensions: dimensions, factory: factory).record(waiting[destination.lane] ?? 0)
            Gauge(label: GatewayMetrics.queueOldestWait, dimensions: dimensions, factory: factory).record(oldest[destination.lane] ?? 0)
            let paused = destination.paused || lanePaused.contains(destination.lane)
            Gauge(label: GatewayMetrics.destinationPaused, dimensions: dimensions, factory: factory).record(paused ? 1 : 0)
        }
        // A century: every event the database still counts.
        if let events = try? await queue.eventCounts(hours: 24 * 365 * 100) {
            advance(GatewayMetrics.staleCompletions, to: events.staleCompletions, factory: factory)
            advance(GatewayMetrics.rescues, to: events.rescues, factory: factory)
        }
    }

    /// Brings a counter up to `total` (a counter only grows; a total that fell, after a
    /// purge, is not subtracted).
    private func advance(_ label: String, to total: Int64, factory: any MetricsFactory) {
        let delta = pushed.withLock { pushed -> Int64 in
            let previous = pushed[label]
            pushed[label] = max(previous ?? 0, total)
            return previous.map { max(0, total - $0) } ?? total
        }
        // Touch the counter even when nothing changed, so the series exists from the first scrape.
        Counter(label: label, factory: factory).increment(by: delta)
    }
}
