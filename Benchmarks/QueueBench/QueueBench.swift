import Foundation
import JobQueue
import Logging
import PostgresClient
import Synchronization

/// queue-bench: the job queue's benchmark, and the worker process its tests launch.
///
///     queue-bench drain   --url U --workers N --batch B --jobs J [--max-seconds S] [--quiet]
///     queue-bench latency --url U --workers N --rate R --seconds S [--debounce-ms D] [--enqueuers E] [--quiet]
///     queue-bench sustain --url U --workers N --batch B --seconds S [--window W] [--backlog K]
///                         [--max-running M]
///     queue-bench work    --url U --queue Q [--concurrency C] [--batch B] [--sleep-ms M]
///                         [--lease-seconds L] [--heartbeat-ms H] [--poll-ms P] [--record]
///
/// `work` runs until killed; with --record each finished job adds a row to
/// `public.test_job_runs` (the test creates it) with the run's wall-clock interval.
@main
enum QueueBench {
    static func main() async {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else {
            FileHandle.standardError.write(Data("usage: queue-bench drain|latency|work --url URL …\n".utf8))
            exit(2)
        }
        var logger = Logger(label: "queue-bench")
        logger.logLevel = .warning
        do {
            let options = try Options(arguments.dropFirst(2))
            switch arguments[1] {
            case "drain": try await drain(options, logger: logger)
            case "latency": try await latency(options, logger: logger)
            case "work": try await work(options, logger: logger)
            case "sustain": try await sustain(options, logger: logger)
            default: throw BenchError("unknown command \(arguments[1])")
            }
        } catch {
            FileHandle.standardError.write(Data("queue-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    /// Drains jobs already enqueued in queue "bench" with no-op handlers; prints jobs/s.
    static func drain(_ options: Options, logger: Logger) async throws {
        let workers = try options.int("workers", default: 1)
        let batch = try options.int("batch", default: 1)
        let jobs = try options.int("jobs", default: 200_000)
        let maxSeconds = try options.double("max-seconds", default: 3600)
        let pool = PostgresPool(
            configuration: .init(url: try options.string("url"), maxConnections: workers + 2), logger: logger)
        let queue = JobQueue(pool: pool, logger: logger)
        let worker = JobWorker(
            queue: queue,
            configuration: .init(queue: "bench", name: "drain", concurrency: workers, batchSize: batch,
                                 pollInterval: .milliseconds(50), listen: false),
            logger: logger
        ) { batch in
            [JobResult](repeating: .completed, count: batch.jobs.count)
        }
        let start = ContinuousClock.now
        let task = Task { try await worker.run() }
        while worker.stats.completed < jobs, ContinuousClock.now - start < .seconds(maxSeconds) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let elapsed = ContinuousClock.now - start
        let done = worker.stats.completed
        task.cancel()
        _ = try? await task.value
        await pool.shutdown()
        let rate = Double(done) / seconds(elapsed)
        if options.flags.contains("quiet") {
            print(String(format: "%.0f", rate))
        } else {
            print(String(format: "drained %d jobs in %.2f s: %.0f jobs/s (workers %d, batch %d)",
                         done, seconds(elapsed), rate, workers, batch))
        }
    }

    /// Enqueues at a steady rate, one job per transaction, and measures commit → claim, with
    /// where the time goes: until the claim that returned the job was sent (waiting for a
    /// wake-up, or for a busy loop to come round), and the claim's round trip. A listener of
    /// its own records when notifications arrive, for the notify → process delay.
    /// With --quiet prints "p50 p99" in ms only.
    static func latency(_ options: Options, logger: Logger) async throws {
        let workers = try options.int("workers", default: 4)
        let rate = max(1, try options.double("rate", default: 100))
        let duration = try options.double("seconds", default: 10)
        let debounce = try options.int("debounce-ms", default: 10)
        let enqueuers = max(1, try options.int("enqueuers", default: 2))
        let quiet = options.flags.contains("quiet")
        let pool = PostgresPool(
            configuration: .init(url: try options.string("url"), maxConnections: workers + 4), logger: logger)
        let queue = JobQueue(
            pool: pool, configuration: .init(notifyDebounce: .milliseconds(debounce)), logger: logger)
        // Both ends record an instant per job id; latencies are joined at the end, so the
        // handler never waits on the enqueuer's bookkeeping.
        let committed = Locked<[Int64: ContinuousClock.Instant]>([:])
        let claimed = Mutex<[Int64: (start: ContinuousClock.Instant, end: ContinuousClock.Instant)]>([:])
        let notes = Mutex<[ContinuousClock.Instant]>([])
        let worker = JobWorker(
            queue: queue,
            configuration: .init(queue: "latency", name: "latency", concurrency: workers, batchSize: 1),
            logger: logger
        ) { batch in
            let now = ContinuousClock.now
            claimed.withLock { for job in batch.jobs { $0[job.id] = (batch.claimStartedAt, now) } }
            return [JobResult](repeating: .completed, count: batch.jobs.count)
        }
        let task = Task { try await worker.run() }
        let listening = Task {
            let stream = try await pool.listen(channel: queue.configuration.notifyChannel)
            for try await _ in stream { let now = ContinuousClock.now; notes.withLock { $0.append(now) } }
        }
        try await Task.sleep(for: .milliseconds(500))
        // Several enqueuers, each one job per transaction at its share of the rate, so the
        // offered load is not capped by one connection's round trips.
        let interval = Duration.seconds(Double(enqueuers) / rate)
        let start = ContinuousClock.now
        let sent = try await withThrowingTaskGroup(of: Int.self) { group in
            for e in 0..<enqueuers {
                group.addTask {
                    var next = start + interval * (Double(e) / Double(enqueuers))
                    var sent = 0
                    while ContinuousClock.now - start < .seconds(duration) {
                        let wait = next - ContinuousClock.now
                        if wait > .zero { try await Task.sleep(for: wait) }
                        let ids = try await pool.withTransaction { conn in
                            try await queue.enqueue([NewJob(kind: "noop", lane: "latency")], into: "latency", on: conn)
                        }
                        let at = ContinuousClock.now
                        if let id = ids.first ?? nil { committed.withLock { $0[id] = at } }
                        sent += 1
                        next += interval
                    }
                    return sent
                }
            }
            return try await group.reduce(0, +)
        }
        let enqueueSeconds = seconds(ContinuousClock.now - start)
        let drainDeadline = ContinuousClock.now + .seconds(5)
        while claimed.withLock({ $0.count }) < sent, ContinuousClock.now < drainDeadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        task.cancel()
        listening.cancel()
        _ = try? await task.value
        _ = try? await listening.value
        await pool.shutdown()
        let ends = claimed.withLock { $0 }
        let arrivals = notes.withLock { $0 }.sorted()
        var total: [Duration] = [], untilClaim: [Duration] = [], roundTrip: [Duration] = [], notify: [Duration] = []
        var inFlight = 0
        for (id, commit) in committed.withLock({ $0 }) {
            guard let c = ends[id] else { continue }
            total.append(max(.zero, c.end - commit))
            roundTrip.append(c.end - c.start)
            if c.start < commit { inFlight += 1 } else { untilClaim.append(c.start - commit) }
            // The first notification that arrived after the commit returned.
            var lo = 0, hi = arrivals.count
            while lo < hi { let mid = (lo + hi) / 2; if arrivals[mid] < commit { lo = mid + 1 } else { hi = mid } }
            if lo < arrivals.count { notify.append(arrivals[lo] - commit) }
        }
        func pct(_ values: [Duration], _ p: Double) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return .nan }
            return seconds(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) * 1000
        }
        // What was offered and what was taken (claimed within the run), per second.
        let achieved = Double(sent) / enqueueSeconds
        let inRun = ends.values.filter { $0.end - start <= .seconds(enqueueSeconds) }.count
        let drained = Double(inRun) / enqueueSeconds
        if quiet {
            print(String(format: "%.1f %.1f %.0f %.0f", pct(total, 0.5), pct(total, 0.99), achieved, drained))
            return
        }
        print(String(format: "rate %.0f/s asked, %.0f/s enqueued, %.0f/s claimed (%d enqueuers, debounce %d ms, "
                        + "%d workers): %d measured, commit->claim p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                     rate, achieved, drained, enqueuers, debounce, workers, total.count, pct(total, 0.5),
                     pct(total, 0.99), pct(total, 1.0)))
        print(String(format: "  claim already in flight at commit: %d; otherwise commit->claim sent p50 %.1f p99 %.1f ms; "
                        + "claim round trip p50 %.1f p99 %.1f ms; next notification after commit p50 %.1f p99 %.1f ms "
                        + "(%d notifications)",
                     inFlight, pct(untilClaim, 0.5), pct(untilClaim, 0.99), pct(roundTrip, 0.5), pct(roundTrip, 0.99),
                     pct(notify, 0.5), pct(notify, 0.99), arrivals.count))
    }

    /// Enqueues and drains at the same time for a while, keeping a backlog of about
    /// --backlog jobs; prints jobs/s per window, overall, and for the last window (which is
    /// what a snapshot pinned since the start hurts most). --max-running limits the lane the
    /// way a forwarding destination's lane is limited (each claim then counts the lane's
    /// running jobs).
    static func sustain(_ options: Options, logger: Logger) async throws {
        let workers = try options.int("workers", default: 4)
        let batch = try options.int("batch", default: 50)
        let duration = try options.double("seconds", default: 60)
        let window = try options.double("window", default: 10)
        let backlog = try options.int("backlog", default: 20_000)
        let maxRunning = try options.int("max-running", default: 0)
        let pool = PostgresPool(
            configuration: .init(url: try options.string("url"), maxConnections: workers + 3), logger: logger)
        let queue = JobQueue(pool: pool, logger: logger)
        let worker = JobWorker(
            queue: queue,
            configuration: .init(queue: "sustain", name: "sustain", concurrency: workers, batchSize: batch,
                                 pollInterval: .milliseconds(50)),
            logger: logger
        ) { batch in [JobResult](repeating: .completed, count: batch.jobs.count) }
        let chunk = [NewJob](repeating: NewJob(kind: "noop", lane: "sustain"), count: 1000)
        try await queue.enqueue([NewJob](repeating: NewJob(kind: "noop", lane: "sustain"), count: backlog), into: "sustain")
        // Set either way: the lane's row outlives the run.
        try await pool.execute(
            "UPDATE dicom_gw.job_lanes SET max_running = nullif($1, 0) WHERE lane = 'sustain'", [Int32(clamping: maxRunning)])
        var enqueued = backlog
        let task = Task { try await worker.run() }
        let start = ContinuousClock.now
        var windowStart = start
        var windowDone = 0
        var lastRate = 0.0
        while ContinuousClock.now - start < .seconds(duration) {
            let done = worker.stats.completed
            if enqueued - done < backlog {
                try await queue.enqueue(chunk, into: "sustain")
                enqueued += chunk.count
            } else {
                try await Task.sleep(for: .milliseconds(5))
            }
            if ContinuousClock.now - windowStart >= .seconds(window) {
                let now = ContinuousClock.now
                lastRate = Double(done - windowDone) / seconds(now - windowStart)
                print(String(format: "  t=%4.0fs %8.0f jobs/s", seconds(now - start), lastRate))
                windowStart = now
                windowDone = done
            }
        }
        let total = worker.stats.completed
        let elapsed = ContinuousClock.now - start
        task.cancel()
        _ = try? await task.value
        await pool.shutdown()
        print(String(format: "overall %.0f jobs/s, last window %.0f jobs/s", Double(total) / seconds(elapsed), lastRate))
    }

    /// A worker process for the tests.
    static func work(_ options: Options, logger: Logger) async throws {
        let url = try options.string("url")
        let sleepMilliseconds = try options.int("sleep-ms", default: 0)
        let record = options.flags.contains("record")
        let pool = PostgresPool(configuration: .init(url: url, maxConnections: 6), logger: logger)
        let queue = JobQueue(pool: pool, logger: logger)
        let pid = ProcessInfo.processInfo.processIdentifier
        let worker = JobWorker(
            queue: queue,
            configuration: .init(
                queue: try options.string("queue"), name: "test-worker",
                concurrency: try options.int("concurrency", default: 4),
                batchSize: try options.int("batch", default: 1),
                leaseDuration: .seconds(try options.double("lease-seconds", default: 60)),
                heartbeatInterval: .milliseconds(try options.int("heartbeat-ms", default: 500)),
                pollInterval: .milliseconds(try options.int("poll-ms", default: 200))),
            logger: logger
        ) { batch in
            let started = Date()
            if sleepMilliseconds > 0 { try? await Task.sleep(for: .milliseconds(sleepMilliseconds)) }
            let finished = Date()
            if record {
                do {
                    try await pool.execute("""
                        INSERT INTO public.test_job_runs (job_id, lease_id, lane, pid, started_at, finished_at)
                        SELECT u.id, u.lease, u.lane, $4, $5, $6 FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS u(id, lease, lane)
                        """,
                        [batch.jobs.map(\.id), batch.jobs.map(\.lease.leaseID), batch.jobs.map(\.lane),
                         Int64(pid), started, finished])
                } catch {
                    logger.error("recording runs failed: \(error)")
                }
            }
            return [JobResult](repeating: .completed, count: batch.jobs.count)
        }
        try await worker.run()
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
