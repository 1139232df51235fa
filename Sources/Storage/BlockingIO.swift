public import NIOPosix
import Synchronization

/// Where blocking file-system calls run: a thread pool, never the cooperative pool or an
/// event loop.
public struct BlockingIO: Sendable {
    /// The pool the calls run on.
    public let threadPool: NIOThreadPool

    /// Uses `threadPool`; the shared NIO pool by default.
    public init(threadPool: NIOThreadPool = .singleton) {
        self.threadPool = threadPool
    }

    /// Runs `body` on the pool and returns its result.
    ///
    /// - Throws: What `body` throws; `StorageError.Code.ioFailure` if the pool is shut down.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws(StorageError) -> T) async throws(StorageError) -> T {
        do {
            return try await threadPool.runIfActive { () throws -> T in try body() }
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError(.ioFailure, "blocking I/O pool unavailable: \(error)")
        }
    }
}

extension BlockingIO {
    /// Runs a body that does not throw; nil when the pool is shut down.
    func runUnchecked<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        try? await threadPool.runIfActive { body() }
    }
}

extension BlockingIO {
    /// Starts `body` on the pool and returns at once; ``PendingIO/value`` waits for it.
    ///
    /// For work the caller overlaps with its own (a file's fsync beside the database
    /// statements). Unlike a `Task` around ``run(_:)``, nothing is scheduled on the
    /// cooperative pool on the way: the pool thread starts the work and hands its result
    /// straight to whoever waits, two thread hand-offs fewer per call.
    public func start<T: Sendable>(_ body: @escaping @Sendable () throws(StorageError) -> T) -> PendingIO<T> {
        let pending = PendingIO<T>()
        threadPool.submit { state in
            switch state {
            case .active:
                pending.complete(Result { () throws(StorageError) -> T in try body() })
            case .cancelled:
                pending.complete(.failure(StorageError(.ioFailure, "blocking I/O pool unavailable: it is shutting down")))
            }
        }
        return pending
    }
}

/// The result of work started with ``BlockingIO/start(_:)``: awaited any number of times,
/// by one task at a time or several.
public final class PendingIO<T: Sendable>: Sendable {
    private enum State {
        case running([CheckedContinuation<Result<T, StorageError>, Never>])
        case done(Result<T, StorageError>, at: ContinuousClock.Instant)
    }

    private let state = Mutex(State.running([]))

    init() {}

    /// Already finished (for work that fails before it reaches the pool).
    init(_ result: Result<T, StorageError>) {
        state.withLock { $0 = .done(result, at: .now) }
    }

    fileprivate func complete(_ result: Result<T, StorageError>) {
        let waiting = state.withLock { state -> [CheckedContinuation<Result<T, StorageError>, Never>] in
            guard case .running(let waiting) = state else { return [] }
            state = .done(result, at: .now)
            return waiting
        }
        for continuation in waiting { continuation.resume(returning: result) }
    }

    /// Whether the work has finished.
    public var isDone: Bool {
        state.withLock { if case .done = $0 { true } else { false } }
    }

    /// When the work finished (nil while it runs).
    public var finishedAt: ContinuousClock.Instant? {
        state.withLock { if case .done(_, let at) = $0 { at } else { nil } }
    }

    /// The work's result, once it has finished.
    /// - Throws: what the work threw.
    public var value: T {
        get async throws(StorageError) {
            if case .done(let result, _) = state.withLock({ $0 }) { return try result.get() }
            let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, StorageError>, Never>) in
                let ready = state.withLock { state -> Result<T, StorageError>? in
                    switch state {
                    case .done(let result, _):
                        return result
                    case .running(var waiting):
                        waiting.append(continuation)
                        state = .running(waiting)
                        return nil
                    }
                }
                if let ready { continuation.resume(returning: ready) }
            }
            return try result.get()
        }
    }
}
