public import CoreMetrics
public import Logging
import Synchronization

/// Reads the queue's inspection views every few seconds and publishes them as swift-metrics
/// gauges, so `/metrics` shows what the SQL views show:
///
/// - `dicom_gw_jobs{queue, lane, state}`: live jobs (`job_depth`)
/// - `dicom_gw_job_oldest_wait_seconds{queue, lane, state}`: how long the oldest has been
///   runnable (available) or enqueued (scheduled, running)
/// - `dicom_gw_job_lane_paused{lane}`: 1 while a lane with live jobs is paused
/// - `dicom_gw_jobs_finished_last_hour{queue, lane, outcome}` (`job_finished_last_hour`)
/// - `dicom_gw_job_failures_last_hour{queue, lane, kind}` (`job_failures_last_hour`)
/// - `dicom_gw_job_stale_completions_this_hour`, `dicom_gw_job_rescues_this_hour`
///   (`job_events_hourly`, the current clock hour)
///
/// A series that disappears from a view (a lane drained) is set to 0, not left at its last
/// value. Each sample is a handful of queries on the pool; under a long-held snapshot the
/// depth query grows with the dead rows it must skip, so keep the interval at several seconds.
public final class JobMetricsSampler: Sendable {
    /// Gauge names, for whoever wires them.
    public enum Label {
        /// Live jobs.
        public static let jobs = "dicom_gw_jobs"
        /// Oldest wait in seconds.
        public static let oldestWait = "dicom_gw_job_oldest_wait_seconds"
        /// Lane paused (0/1).
        public static let lanePaused = "dicom_gw_job_lane_paused"
        /// Jobs finished in the last hour.
        public static let finished = "dicom_gw_jobs_finished_last_hour"
        /// Failed attempts in the last hour.
        public static let failures = "dicom_gw_job_failures_last_hour"
        /// Stale completions rejected this hour.
        public static let staleCompletions = "dicom_gw_job_stale_completions_this_hour"
        /// Jobs rescued this hour.
        public static let rescues = "dicom_gw_job_rescues_this_hour"
    }

    private struct Series: Hashable {
        var label: String
        var dimensions: [String]  // name, value, name, value, …
    }

    private let queue: JobQueue
    private let interval: Duration
    private let factory: any MetricsFactory
    private let logger: Logger
    private let published = Mutex<Set<Series>>([])

    /// A sampler; nothing starts before ``run()``.
    /// - Parameters:
    ///   - factory: where gauges go; the process's bootstrapped `MetricsSystem` by default.
    public init(
        queue: JobQueue, interval: Duration = .seconds(15), factory: any MetricsFactory = MetricsSystem.factory,
        logger: Logger
    ) {
        self.queue = queue
        self.interval = interval
        self.factory = factory
        self.logger = logger
    }

    /// Samples until cancelled. A failed sample is logged and retried at the next interval.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await sample()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("job metrics sample failed: \(error)")
            }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    /// Takes one sample and publishes it.
    /// - Throws: `PostgresError`.
    public func sample() async throws {
        let depth = try await queue.depth()
        let finished = try await queue.finishedLastHour()
        let failures = try await queue.failuresLastHour()
        let events = try await queue.eventCounts(hours: 1)
        var values: [Series: Double] = [:]
        var paused: [String: Bool] = [:]
        for d in depth {
            let dims = ["queue", d.queue, "lane", d.lane, "state", d.state]
            values[Series(label: Label.jobs, dimensions: dims)] = Double(d.jobs)
            values[Series(label: Label.oldestWait, dimensions: dims)] =
                Double(d.oldestWait.components.seconds) + Double(d.oldestWait.components.attoseconds) / 1e18
            paused[d.lane] = (paused[d.lane] ?? false) || d.lanePaused
        }
        for (lane, p) in paused {
            values[Series(label: Label.lanePaused, dimensions: ["lane", lane])] = p ? 1 : 0
        }
        for c in finished {
            values[Series(label: Label.finished, dimensions: ["queue", c.queue, "lane", c.lane, "outcome", c.key])] =
                Double(c.count)
        }
        for c in failures {
            values[Series(label: Label.failures, dimensions: ["queue", c.queue, "lane", c.lane, "kind", c.key])] =
                Double(c.count)
        }
        values[Series(label: Label.staleCompletions, dimensions: [])] = Double(events.staleCompletions)
        values[Series(label: Label.rescues, dimensions: [])] = Double(events.rescues)

        let gone = published.withLock { old -> Set<Series> in
            let gone = old.subtracting(values.keys)
            old = Set(values.keys)
            return gone
        }
        for series in gone { gauge(series).record(0) }
        for (series, value) in values { gauge(series).record(value) }
    }

    private func gauge(_ series: Series) -> Gauge {
        var dims: [(String, String)] = []
        var i = 0
        while i + 1 < series.dimensions.count {
            dims.append((series.dimensions[i], series.dimensions[i + 1]))
            i += 2
        }
        return Gauge(label: series.label, dimensions: dims, factory: factory)
    }
}
