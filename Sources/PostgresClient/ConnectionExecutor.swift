import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A task executor backed by one dedicated thread per connection, where that connection's
/// blocking libpq calls run.
///
/// Why not `NIOThreadPool.runIfActive` per call: each call would then cost two thread
/// hand-offs (to the pool thread and back to the cooperative pool), as many wake-ups as the
/// database round trip itself, which halves single-connection throughput. Instead the pool
/// runs a borrower's closure with this executor as its task-executor preference, so the
/// caller's own nonisolated code runs on this thread and each statement is a plain blocking
/// call here: zero hand-offs per statement. Calls that arrive from another thread (an actor,
/// the cooperative pool) are handed over once, like a thread-pool submission. Either way
/// libpq never blocks the cooperative pool or an event loop.
///
/// After ``shutdown()`` the thread ends and jobs still arriving (a task that closed the
/// connection from this thread and continues) go to the global concurrent executor.
///
/// `@unchecked Sendable` is sound because `jobs`, `stopping` and `threadID` are only touched
/// with `condition` locked, and `UnownedJob` is `Sendable`.
final class ConnectionExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private enum Work {
        case job(UnownedJob)
        case call(@Sendable () -> Void)
    }

    private var jobs: [Work] = []
    private var stopping = false
    private var stopped = false
    private var threadID: pthread_t?

    init(name: String) {
        // threadID is unset until the thread runs; until then nothing can run on it anyway.
        let thread = Thread { [self] in
            condition.lock()
            threadID = pthread_self()
            condition.unlock()
            loop()
        }
        thread.name = name
        thread.start()
    }

    /// True when the caller runs on this executor's thread.
    var isCurrent: Bool {
        condition.lock()
        defer { condition.unlock() }
        guard let threadID, !stopped else { return false }
        return pthread_equal(threadID, pthread_self()) != 0
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        if stopped {
            condition.unlock()
            globalConcurrentExecutor.enqueue(job)
            return
        }
        jobs.append(.job(job))
        condition.signal()
        condition.unlock()
    }

    /// Queues a plain call on the thread; runs it inline when the thread has ended.
    private func submit(_ call: @escaping @Sendable () -> Void) {
        condition.lock()
        if stopped {
            condition.unlock()
            call()
            return
        }
        jobs.append(.call(call))
        condition.signal()
        condition.unlock()
    }

    /// Runs `body` on this thread and returns its result: inline when already here,
    /// otherwise handed over and awaited.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        if isCurrent { return try body() }
        return try await withCheckedThrowingContinuation { continuation in
            submit { continuation.resume(with: Result(catching: body)) }
        }
    }

    /// Lets the thread finish the queued work and end. Idempotent.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        let unowned = asUnownedTaskExecutor()
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty && stopping {
                stopped = true
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for work in batch {
                switch work {
                case .job(let job): job.runSynchronously(on: unowned)
                case .call(let call): call()
                }
            }
        }
    }
}
