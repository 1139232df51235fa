public import Logging
import Synchronization

/// One PostgreSQL session.
///
/// Every libpq call runs on the connection's own thread (``ConnectionExecutor``), never on the
/// cooperative pool. Use a connection from one task at a time (the pool hands each to one
/// caller); concurrent calls are serialised by the handle's lock but would interleave
/// statements.
///
/// Cancelling the calling task does not interrupt a statement already running (a cancel
/// request could race into the session's next statement); bound statements with
/// `SET statement_timeout` instead.
///
/// Results use libpq's binary format: integers, floats, timestamps and UUIDs arrive as fixed
/// bytes that decode without parsing or locale surprises, and bytea arrives raw instead of
/// hex-escaped (half the size). Strings are sent as text with an unspecified type so the
/// server infers their type from context, like a literal.
public final class PostgresConnection: Sendable {
    let handle: ConnectionHandle
    let executor: ConnectionExecutor
    /// The connection's logger.
    public let logger: Logger
    private let broken = Atomic<Bool>(false)
    /// Set by the pool on checkout: the next call first checks the idle session is alive.
    let revalidateOnNextUse = Atomic<Bool>(false)

    init(handle: ConnectionHandle, executor: ConnectionExecutor, logger: Logger) {
        self.handle = handle
        self.executor = executor
        self.logger = logger
    }

    /// Opens a connection.
    /// - Parameters:
    ///   - url: a `postgresql://` URL or a libpq `key=value` conninfo string.
    ///   - connectTimeout: how long to wait for the server (libpq's granularity is a second).
    ///   - applicationName: reported in `pg_stat_activity` unless the URL sets one.
    ///   - logger: for connection events.
    /// - Throws: ``PostgresError`` with ``PostgresError/Code/connectionFailed``.
    public static func connect(
        url: String,
        connectTimeout: Duration = .seconds(2),
        applicationName: String? = nil,
        logger: Logger
    ) async throws -> PostgresConnection {
        let seconds = Int(connectTimeout.components.seconds) + (connectTimeout.components.attoseconds > 0 ? 1 : 0)
        let executor = ConnectionExecutor(name: "pg-conn")
        do {
            let handle = try await executor.run {
                ConnectionHandle(try LibPQ.connect(conninfo: url, connectTimeoutSeconds: seconds, applicationName: applicationName))
            }
            return PostgresConnection(handle: handle, executor: executor, logger: logger)
        } catch {
            executor.shutdown()
            throw error
        }
    }

    /// The executor a borrower may prefer (`withTaskExecutorPreference`) so that its code and
    /// this connection's blocking calls share one thread, with no hand-off per statement.
    public var preferredExecutor: any TaskExecutor { executor }

    /// Closes the session. Idempotent; required before the connection is released.
    public func close() async {
        let handle = self.handle
        _ = try? await executor.run { handle.close() }
        executor.shutdown()
    }

    /// True when the session failed and must not be reused.
    public var isBroken: Bool { broken.load(ordering: .relaxed) }

    /// Runs a parameterised statement and returns its rows.
    /// - Parameters:
    ///   - sql: one statement with `$1…` placeholders; values are never spliced into it.
    ///   - parameters: the values for `$1…`, in order; `nil` Optionals bind NULL.
    /// - Throws: ``PostgresError``.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> PostgresRows {
        try await query(PostgresStatement(sql, parameters))
    }

    /// Runs a prepared statement (prepared on this session on first use) and returns its rows.
    /// - Throws: ``PostgresError``.
    @discardableResult
    public func query(_ statement: PreparedStatement, _ parameters: [any PostgresEncodable] = []) async throws -> PostgresRows {
        try await query(PostgresStatement(statement, parameters))
    }

    /// Runs a statement built beforehand (as for ``pipeline(_:)``) and returns its rows.
    /// - Throws: ``PostgresError``.
    @discardableResult
    public func query(_ statement: PostgresStatement) async throws -> PostgresRows {
        let result = try await run { raw, statements in
            statement.prepared
                ? try LibPQ.execPrepared(raw, sql: statement.sql, bindings: statement.bindings, statements: &statements)
                : try LibPQ.exec(raw, sql: statement.sql, bindings: statement.bindings)
        }
        return PostgresRows(result)
    }

    /// Runs a parameterised statement and returns the number of rows it affected.
    /// - Throws: ``PostgresError``.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
        try await query(sql, parameters).affectedRows
    }

    /// Runs a prepared statement and returns the number of rows it affected.
    /// - Throws: ``PostgresError``.
    @discardableResult
    public func execute(_ statement: PreparedStatement, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
        try await query(statement, parameters).affectedRows
    }

    /// Sends `statements` together and waits once for all their results: one network round
    /// trip instead of one per statement (libpq's pipeline mode). Outside a transaction the
    /// statements run as one implicit transaction, all or none; inside one, in it.
    ///
    /// For statements that do not need each other's results, e.g. a write and the read the
    /// caller will need next.
    ///
    /// - Returns: each statement's rows, in order.
    /// - Throws: ``PostgresError`` for the first statement that failed; the statements after
    ///   it did not run.
    public func pipeline(_ statements: [PostgresStatement]) async throws -> [PostgresRows] {
        guard !statements.isEmpty else { return [] }
        let results = try await run { raw, prepared in try LibPQ.pipeline(raw, statements, statements: &prepared) }
        return results.map(PostgresRows.init)
    }

    /// Runs SQL text that may hold several statements (simple query protocol), as migrations
    /// need. It takes no parameters: never build it from untrusted values.
    /// - Throws: ``PostgresError`` for the first failing statement.
    public func executeScript(_ sql: String) async throws {
        _ = try await run { raw, _ in try LibPQ.execSimple(raw, sql: sql) }
    }

    /// Runs `body` on a pool thread with the live `PGconn`, tracking breakage.
    func run<T: Sendable>(
        _ body: @escaping @Sendable (OpaquePointer, inout [String: String]) throws -> T
    ) async throws -> T {
        let handle = self.handle
        let revalidate = revalidateOnNextUse.exchange(false, ordering: .relaxed)
        do {
            return try await executor.run {
                try handle.withRaw { raw, statements in
                    do {
                        if revalidate, try LibPQ.revalidate(raw, statements: &statements) {
                            // Logged from the pool thread: Logger is thread-safe.
                            self.logger.info("reconnected a stale pooled PostgreSQL connection")
                        }
                        return try body(raw, &statements)
                    } catch {
                        if LibPQ.isBad(raw) { self.broken.store(true, ordering: .relaxed) }
                        throw error
                    }
                }
            }
        } catch let error as PostgresError where error.isConnectionError {
            broken.store(true, ordering: .relaxed)
            throw error
        }
    }
}
