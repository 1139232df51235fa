public import Logging
import Synchronization

/// A bounded pool of PostgreSQL connections for Swift concurrency.
///
/// Connections open lazily, up to ``Configuration/maxConnections``. A caller that finds none
/// free waits, in FIFO order, at most ``Configuration/acquireTimeout``. A connection that broke
/// (server restart, network loss) is closed on release and replaced on demand; an idle one the
/// server closed meanwhile is reconnected before its next statement. So the pool recovers by
/// itself once the server is back, and fails fast (connect timeout) while it is down.
///
/// Lifecycle: usable right after `init`; call ``shutdown()`` (or run ``run()`` in a task and
/// cancel it) before dropping the pool.
public final class PostgresPool: Sendable {
    /// The settings the pool was made with.
    public let configuration: Configuration
    let logger: Logger
    private let state = Mutex(State())
    private let lifetime: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation)

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<PostgresConnection, any Error>
    }

    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
        var isShutdown = false
        var listeners: [UInt64: PostgresListener] = [:]
        var drained: [CheckedContinuation<Void, Never>] = []
        var waits: UInt64 = 0
    }

    /// Creates a pool; no connection is opened yet.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.lifetime = AsyncStream<Void>.makeStream()
    }

    /// Runs until the task is cancelled or ``shutdown()`` is called, then shuts the pool down.
    /// Fits a service group (`run() async throws`).
    public func run() async throws {
        let lifetime = self.lifetime
        await withTaskCancellationHandler {
            for await _ in lifetime.stream {}
        } onCancel: {
            lifetime.continuation.finish()
        }
        await shutdown()
    }

    /// Closes every connection and listener, failing waiting callers with
    /// ``PostgresError/Code/poolShutdown``. Waits for connections in use to be released.
    public func shutdown() async {
        let (idle, waiters, listeners) = state.withLock { s in
            let result = (s.idle, s.waiters, Array(s.listeners.values))
            s.isShutdown = true
            s.open -= s.idle.count
            s.idle = []
            s.waiters = []
            s.listeners = [:]
            return result
        }
        lifetime.continuation.finish()
        for waiter in waiters {
            waiter.continuation.resume(throwing: PostgresError(code: .poolShutdown, message: "the pool is shut down"))
        }
        for listener in listeners { listener.stop() }
        for connection in idle { await connection.close() }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s in
                if s.open == 0 { return true }
                s.drained.append(done)
                return false
            }
            if now { done.resume() }
        }
    }

    /// Lends a connection to `body` and takes it back when `body` ends.
    ///
    /// `body` runs with the connection's thread as its task-executor preference: its
    /// nonisolated code (and child tasks it creates) run on that one thread, and statements
    /// execute there without a thread hand-off. Keep CPU-heavy parallel work out of `body`.
    /// A connection returned broken or inside an open transaction is closed, not reused.
    ///
    /// - Parameter body: uses the connection; it must not keep it beyond its return.
    /// - Throws: ``PostgresError`` (``PostgresError/Code/poolTimeout``,
    ///   ``PostgresError/Code/connectionFailed``, ``PostgresError/Code/poolShutdown``) or what
    ///   `body` throws.
    public func withConnection<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await acquire()
        let value: T
        do {
            // The borrower's nonisolated code runs on the connection's thread, so its
            // statements need no thread hand-off (see ConnectionExecutor).
            value = try await withTaskExecutorPreference(connection.executor, isolation: isolation) {
                try await body(connection)
            }
        } catch {
            release(connection)
            throw error
        }
        release(connection)
        return value
    }

    /// Runs `body` in a transaction on a pooled connection: COMMIT on return, ROLLBACK on throw.
    /// - Throws: what `body` threw, or ``PostgresError``.
    public func withTransaction<T>(
        isolationLevel: PostgresConnection.IsolationLevel? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            try await connection.withTransaction(isolationLevel: isolationLevel, body)
        }
    }

    /// As ``withTransaction(isolationLevel:isolation:_:)``, with `statements` sent in the
    /// BEGIN's round trip (``PostgresConnection/withTransaction(isolationLevel:beginningWith:isolation:_:)``).
    public func withTransaction<T>(
        isolationLevel: PostgresConnection.IsolationLevel? = nil,
        beginningWith statements: [PostgresStatement],
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection, [PostgresRows]) async throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            try await connection.withTransaction(isolationLevel: isolationLevel, beginningWith: statements, body)
        }
    }

    /// Runs a parameterised statement on a pooled connection and returns its rows.
    /// - Throws: ``PostgresError``.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> PostgresRows {
        try await withConnection { try await $0.query(sql, parameters) }
    }

    /// Runs a prepared statement on a pooled connection and returns its rows.
    /// - Throws: ``PostgresError``.
    @discardableResult
    public func query(_ statement: PreparedStatement, _ parameters: [any PostgresEncodable] = []) async throws -> PostgresRows {
        try await withConnection { try await $0.query(statement, parameters) }
    }

    /// Runs a parameterised statement and returns the number of rows it affected.
    /// - Throws: ``PostgresError``.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
        try await withConnection { try await $0.execute(sql, parameters) }
    }

    /// Runs a prepared statement and returns the number of rows it affected.
    /// - Throws: ``PostgresError``.
    @discardableResult
    public func execute(_ statement: PreparedStatement, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
        try await withConnection { try await $0.execute(statement, parameters) }
    }

    // MARK: Checkout

    private enum Decision {
        case use(PostgresConnection)
        case create
        case wait(UInt64)
    }

    func acquire() async throws -> PostgresConnection {
        let decision = try state.withLock { s throws -> Decision in
            if s.isShutdown { throw PostgresError(code: .poolShutdown, message: "the pool is shut down") }
            if let connection = s.idle.popLast() { return .use(connection) }
            if s.open < configuration.maxConnections {
                s.open += 1
                return .create
            }
            s.nextID += 1
            s.waits += 1
            return .wait(s.nextID)
        }
        switch decision {
        case .use(let connection):
            connection.revalidateOnNextUse.store(true, ordering: .relaxed)
            return connection
        case .create:
            return try await openForSlot()
        case .wait(let id):
            return try await wait(id: id)
        }
    }

    /// Opens a connection for a slot already counted in `open`; gives the slot back on failure.
    private func openForSlot() async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(
                url: configuration.url,
                connectTimeout: configuration.connectTimeout,
                applicationName: configuration.applicationName,
                logger: logger)
        } catch {
            logger.warning("cannot open a PostgreSQL connection: \(error)")
            freeSlot()
            throw error
        }
    }

    private func wait(id: UInt64) async throws -> PostgresConnection {
        let timeout = configuration.acquireTimeout
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.failWaiter(
                id,
                PostgresError(code: .poolTimeout, message: "no PostgreSQL connection became free within \(timeout)"))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PostgresConnection, any Error>) in
                enum Now { case fail(any Error), use(PostgresConnection), create, queued }
                let now = state.withLock { s -> Now in
                    if s.isShutdown { return .fail(PostgresError(code: .poolShutdown, message: "the pool is shut down")) }
                    // Cancelled before we queued: the cancellation handler found nothing to fail.
                    if Task.isCancelled { return .fail(CancellationError()) }
                    // State may have changed since the first look.
                    if let connection = s.idle.popLast() { return .use(connection) }
                    if s.open < configuration.maxConnections {
                        s.open += 1
                        return .create
                    }
                    s.waiters.append(Waiter(id: id, continuation: continuation))
                    return .queued
                }
                switch now {
                case .fail(let error): continuation.resume(throwing: error)
                case .use(let connection):
                    connection.revalidateOnNextUse.store(true, ordering: .relaxed)
                    continuation.resume(returning: connection)
                case .create:
                    Task { continuation.resume(with: await Result(asyncCatching: { try await self.openForSlot() })) }
                case .queued: break
                }
            }
        } onCancel: {
            failWaiter(id, CancellationError())
        }
    }

    private func failWaiter(_ id: UInt64, _ error: any Error) {
        let waiter = state.withLock { s -> Waiter? in
            guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.waiters.remove(at: i)
        }
        waiter?.continuation.resume(throwing: error)
    }

    /// A slot freed (connection closed or never opened): a waiter may open one in its place.
    private func freeSlot() {
        enum Next { case none, open(Waiter), drained([CheckedContinuation<Void, Never>]) }
        let next = state.withLock { s -> Next in
            s.open -= 1
            if s.isShutdown {
                if s.open == 0 {
                    let d = s.drained
                    s.drained = []
                    return .drained(d)
                }
                return .none
            }
            if !s.waiters.isEmpty {
                s.open += 1
                return .open(s.waiters.removeFirst())
            }
            return .none
        }
        switch next {
        case .none: break
        case .drained(let done): done.forEach { $0.resume() }
        case .open(let waiter):
            Task { waiter.continuation.resume(with: await Result(asyncCatching: { try await self.openForSlot() })) }
        }
    }

    func release(_ connection: PostgresConnection) {
        let reusable = !connection.isBroken && connection.handle.isIdleOutsideTransaction()
        enum Next { case none, hand(Waiter), close }
        let next = state.withLock { s -> Next in
            if s.isShutdown || !reusable { return .close }
            if !s.waiters.isEmpty { return .hand(s.waiters.removeFirst()) }
            s.idle.append(connection)
            return .none
        }
        switch next {
        case .none: break
        case .hand(let waiter):
            connection.revalidateOnNextUse.store(true, ordering: .relaxed)
            waiter.continuation.resume(returning: connection)
        case .close:
            if !reusable { logger.debug("discarding a broken or mid-transaction PostgreSQL connection") }
            Task {
                await connection.close()
                self.freeSlot()
            }
        }
    }

    /// A snapshot of the pool's counters, for metrics (read-only, one short lock).
    public func statistics() -> Statistics {
        state.withLock { s in
            Statistics(open: s.open, idle: s.idle.count, waiting: s.waiters.count, waits: s.waits)
        }
    }

    // MARK: Listeners

    func register(_ listener: PostgresListener) -> UInt64? {
        state.withLock { s in
            if s.isShutdown { return nil }
            s.nextID += 1
            s.listeners[s.nextID] = listener
            return s.nextID
        }
    }

    func unregister(_ id: UInt64) {
        _ = state.withLock { s in s.listeners.removeValue(forKey: id) }
    }
}

extension Result where Failure == any Error {
    init(asyncCatching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
