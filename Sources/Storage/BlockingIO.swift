public import NIOPosix

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
