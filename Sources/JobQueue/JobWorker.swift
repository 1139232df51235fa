import Foundation
public import Logging
import PostgresClient
import Synchronization

/// A worker process's job runner: claim loops, heartbeat, LISTEN wake-ups and a jittered poll.
///
/// ``run()`` registers the process in `job_workers`, then runs ``Configuration/concurrency``
/// claim loops until cancelled. Cancellation is graceful: no new claims, batches in hand are
/// finished and reported, the heartbeat keeps going meanwhile, then the row is removed.
/// Database outages (a server restart) are ridden out: claims and reports retry with backoff,
/// the listener reconnects, and a worker whose row was removed registers again.
public final class JobWorker: Sendable {
    /// Handles one batch; returns one result per job, in order. A missing result counts as
    /// a transient failure. Runs outside the worker's cancellation: a stop lets it finish.
    public typealias Handler = @Sendable (JobBatch) async -> [JobResult]

    /// The settings it runs with.
    public let configuration: Configuration
    private let queue: JobQueue
    private let handler: Handler
    private let logger: Logger
    private let identity = Mutex<Int64?>(nil)
    private let counters = Mutex(Counters())

    /// What this worker has done so far (for metrics and tests).
    public struct Counters: Sendable, Hashable {
        /// Jobs completed.
        public var completed = 0
        /// Attempts reported as failed.
        public var failed = 0
        /// Jobs snoozed.
        public var snoozed = 0
        /// Reports rejected because the lease was superseded.
        public var stale = 0
        /// Claims that returned jobs.
        public var claims = 0
    }

    /// A worker; nothing starts before ``run()``.
    public init(queue: JobQueue, configuration: Configuration, logger: Logger, handler: @escaping Handler) {
        self.queue = queue
        self.configuration = configuration
        self.logger = logger
        self.handler = handler
    }

    /// The worker's id in `job_workers` once registered.
    public var workerID: Int64? { identity.withLock { $0 } }

    /// A snapshot of the counters.
    public var stats: Counters { counters.withLock { $0 } }

    /// Runs until cancelled, then stops gracefully.
    /// - Throws: `CancellationError` only if cancelled before it could register.
    public func run() async throws {
        try await register()
        let wake = WakeSignal()
        let heartbeat = Task { await self.heartbeatLoop() }
        let listener: Task<Void, Never>? = configuration.listen ? Task { await self.listenLoop(wake) } : nil
        // Unstructured and never cancelled: a stop must not cancel a handler or a report in
        // flight; the loops see the stop through `wake` and end once their batch is reported.
        // (So no task per batch is needed to shield it: that cost two thread hops per batch.)
        let loops = (0..<configuration.concurrency).map { index in
            Task { await self.claimLoop(index, wake) }
        }
        await withTaskCancellationHandler {
            for loop in loops { await loop.value }
        } onCancel: {
            wake.stop()
        }
        listener?.cancel()
        heartbeat.cancel()
        await heartbeat.value
        // Unstructured: the caller's task is cancelled, the goodbye should still go out.
        let queue = self.queue
        if let id = workerID {
            await Task {
                do { try await queue.deregisterWorker(id) } catch {
                    self.logger.warning("could not remove the worker row: \(error)")
                }
            }.value
        }
    }

    // MARK: Registration and heartbeat

    private func register() async throws {
        var delay = Duration.milliseconds(200)
        while true {
            try Task.checkCancellation()
            do {
                let id = try await queue.registerWorker(
                    name: configuration.name,
                    host: ProcessInfo.processInfo.hostName,
                    pid: ProcessInfo.processInfo.processIdentifier,
                    queues: [configuration.queue])
                identity.withLock { $0 = id }
                logger.info("job worker registered", metadata: [
                    JobQueueMetadata.workerID: "\(id)", JobQueueMetadata.queue: "\(configuration.queue)",
                ])
                return
            } catch let error as CancellationError {
                throw error
            } catch {
                logger.warning("cannot register the job worker yet: \(error)")
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }

    private func heartbeatLoop() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.heartbeatInterval)
            } catch {
                return
            }
            guard let id = workerID else { continue }
            do {
                if try await !queue.heartbeat(worker: id) {
                    // Presumed dead and removed (a long outage): our leases are rescued or
                    // will be; reports on them are rejected. Carry on under a new id.
                    logger.warning("job worker row was removed; registering again")
                    try await register()
                }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("job worker heartbeat failed: \(error)")
            }
        }
    }

    // MARK: Wake-ups

    private func listenLoop(_ wake: WakeSignal) async {
        var delay = Duration.milliseconds(200)
        while !Task.isCancelled {
            do {
                let stream = try await queue.pool.listen(channel: queue.configuration.notifyChannel)
                delay = .milliseconds(200)
                for try await note in stream {
                    if note.afterReconnect {
                        wake.signal()
                    } else if note.payload == configuration.queue {
                        // One loop claims; if it finds a full batch it wakes the next, so a
                        // single job does not cost every loop a query.
                        wake.signalOne()
                    }
                }
                if Task.isCancelled { return }
            } catch is CancellationError {
                return
            } catch {
                logger.debug("job listener failed, polling meanwhile: \(error)")
            }
            do { try await Task.sleep(for: delay) } catch { return }
            delay = min(delay * 2, .seconds(2))
        }
    }

    private func jitteredPoll() -> Duration {
        configuration.pollInterval * Double.random(in: 0.5...1.5)
    }

    // MARK: Claim loop

    /// How a claim looks for work (see `job_claim` in migration 0007).
    private enum ClaimMode {
        /// After this loop's hints only: constant cost even under a pinned snapshot.
        case hinted
        /// From a short look-back before the hints: jobs that became available behind them.
        case sweep
        /// From the head of every lane, promoting everything due.
        case full
    }

    /// One claim loop. Only loop 0 polls when idle (about one query per poll interval per
    /// process); the others sleep until a notification, or until a sibling that found a
    /// full batch wakes them, with a long poll as a safety net.
    ///
    /// Claims seek past this loop's hints; a hinted claim that finds nothing, and every
    /// ``Configuration/hintSweepInterval``, sweeps from a look-back before them; loop 0 alone
    /// sweeps from the head every ``Configuration/fullSweepInterval``. Under a long-held
    /// snapshot the head of the index is a growing run of dead entries; only full sweeps
    /// walk it, and they are rare.
    ///
    /// The completions of a batch are reported on the same connection checkout as the next
    /// claim, right after the handler returns (two statements, each in autocommit, as
    /// before): one hand-off to the connection's thread and back per batch instead of two.
    /// At batch size 1 those hand-offs, not the SQL, were most of a job's cost.
    private func claimLoop(_ index: Int, _ wake: WakeSignal) async {
        var hints = ClaimHints()
        var lastSweep = ContinuousClock.now
        var lastFull: ContinuousClock.Instant?
        var sweepNext = false
        var errorDelay = Duration.milliseconds(100)
        // Leases the handler completed, not yet reported: reported with the next claim.
        var pending: [JobLease] = []
        // Whether the next claim first lets jobs gather (see Configuration.batchLinger).
        var lingerNext = false
        claiming: while !wake.isStopped {
            if lingerNext && configuration.batchLinger > .zero {
                // The last batch's completions go out first, not held back by the linger.
                await reportCompletions(pending)
                pending = []
                // Not wake.wait: the notifications of the very jobs gathering would end it.
                // Not interrupted by a stop either; the linger is short.
                try? await Task.sleep(for: configuration.batchLinger)
                lingerNext = false
                if wake.isStopped { break claiming }
            }
            let generation = wake.generation
            guard let worker = workerID else {
                await reportCompletions(pending)
                pending = []
                await wake.wait(after: generation, timeout: .milliseconds(200))
                continue
            }
            let now = ContinuousClock.now
            let mode: ClaimMode
            if hints.isEmpty || (index == 0 && lastFull.map { now - $0 >= configuration.fullSweepInterval } ?? true) {
                mode = .full
            } else if sweepNext || now - lastSweep >= configuration.hintSweepInterval {
                mode = .sweep
            } else {
                mode = .hinted
            }
            let jobs: [ClaimedJob]
            let toReport = pending
            // The rejected leases once the completions went through (even if the claim failed).
            var rejected: [JobLease]?
            do {
                jobs = try await queue.pool.withConnection { connection in
                    if !toReport.isEmpty {
                        rejected = try await queue.complete(toReport, on: connection)
                    }
                    return try await queue.claim(
                        queue: configuration.queue, worker: worker, limit: configuration.batchSize,
                        lease: configuration.leaseDuration, lanes: configuration.lanes,
                        hints: mode == .full ? nil : hints,
                        lookback: mode == .sweep ? configuration.hintLookback : .zero,
                        promoteWindow: mode == .full ? nil : configuration.promoteWindow,
                        on: connection)
                }
                errorDelay = .milliseconds(100)
            } catch {
                if let rejected {
                    account(completed: toReport, rejected: rejected)
                    pending = []
                } else if !toReport.isEmpty {
                    // The report failed: retry it alone, with backoff, before claiming again.
                    await reportCompletions(toReport)
                    pending = []
                    continue
                }
                if wake.isStopped { break claiming }
                logger.warning("job claim failed: \(error)")
                await wake.wait(after: generation, timeout: errorDelay)
                errorDelay = min(errorDelay * 2, .seconds(2))
                continue
            }
            if let rejected { account(completed: toReport, rejected: rejected) }
            pending = []
            switch mode {
            case .full:
                lastFull = now
                lastSweep = now
            case .sweep:
                lastSweep = now
            case .hinted:
                break
            }
            if jobs.isEmpty {
                // Nothing after the hints: look behind them before going idle, and on the
                // next wake-up (one query covers both).
                sweepNext = true
                if mode == .hinted { continue }
                await wake.wait(after: generation, timeout: index == 0 ? jitteredPoll() : configuration.pollInterval * 30)
                continue
            }
            sweepNext = false
            // More may be waiting: hand the wake-up on to one idle sibling.
            if jobs.count == configuration.batchSize { wake.signalOne() }
            lingerNext = jobs.count < configuration.batchSize
            hints.record(jobs)
            counters.withLock { $0.claims += 1 }
            // This task is never cancelled (see run()): a stop lets the handler finish.
            pending = await runBatch(jobs, claimStartedAt: now)
        }
        // Stopping: the last batch's completions still go out (with retries).
        await reportCompletions(pending)
    }

    /// Runs the handler and reports failures and snoozes; returns the leases it completed,
    /// for the caller to report (with its next claim, or alone when stopping).
    private func runBatch(_ jobs: [ClaimedJob], claimStartedAt: ContinuousClock.Instant) async -> [JobLease] {
        let batch = JobBatch(
            jobs: jobs, queue: queue, leaseDuration: configuration.leaseDuration, claimStartedAt: claimStartedAt)
        let results = await handler(batch)
        var done: [JobLease] = []
        var others: [(ClaimedJob, JobResult)] = []
        for (i, job) in jobs.enumerated() {
            let result = i < results.count
                ? results[i] : .failed(.transient, message: "the handler returned no result for this job")
            if case .completed = result { done.append(job.lease) } else { others.append((job, result)) }
        }
        for (job, result) in others {
            switch result {
            case .completed:
                break
            case .failed(let kind, let message, let retryIn):
                let outcome = await reporting("fail") {
                    try await self.queue.fail(job.lease, kind: kind, message: message, retryIn: retryIn)
                }
                counters.withLock {
                    if outcome == .stale { $0.stale += 1 } else { $0.failed += 1 }
                }
            case .snoozed(let delay):
                let held = await reporting("snooze") { try await self.queue.snooze(job.lease, for: delay) }
                counters.withLock {
                    if held == false { $0.stale += 1 } else { $0.snoozed += 1 }
                }
            }
        }
        return done
    }

    /// Reports completions on their own checkout, retrying while the database is unreachable.
    private func reportCompletions(_ leases: [JobLease]) async {
        if leases.isEmpty { return }
        let rejected = await reporting("complete") { try await self.queue.complete(leases) } ?? []
        account(completed: leases, rejected: rejected)
    }

    /// Counts reported completions; those rejected were superseded attempts.
    private func account(completed leases: [JobLease], rejected: [JobLease]) {
        counters.withLock {
            $0.completed += leases.count - rejected.count
            $0.stale += rejected.count
        }
        for lease in rejected {
            logger.warning("completion of a superseded attempt rejected", metadata: [
                JobQueueMetadata.jobID: "\(lease.jobID)", JobQueueMetadata.leaseID: "\(lease.leaseID)",
            ])
        }
    }

    /// Runs a report, retrying while the database is unreachable: a result is only lost if
    /// the worker is stopping and ``Configuration/reportTimeout`` passed (then the lease
    /// expires and the job is rescued: at least once).
    private func reporting<T: Sendable>(_ what: String, _ body: @Sendable () async throws -> T) async -> T? {
        let deadline = ContinuousClock.now + configuration.reportTimeout
        var delay = Duration.milliseconds(100)
        while true {
            do {
                return try await body()
            } catch {
                if ContinuousClock.now > deadline {
                    logger.error("giving up reporting (\(what)) after \(configuration.reportTimeout): \(error)")
                    return nil
                }
                logger.warning("job report (\(what)) failed, retrying: \(error)")
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }
}
