import CLibPQ
import NIOConcurrencyHelpers

/// Owns one libpq `PGconn*` and the per-connection state that lives with it.
///
/// `@unchecked Sendable` is sound because:
/// - `raw` and `statements` are read and written only inside ``withRaw(_:)`` and ``close()``,
///   which hold `lock`. libpq connections are not thread-safe; the lock makes every use of one
///   `PGconn` strictly serial, whichever thread the call arrives on.
/// - Callers (``PostgresConnection``, ``PostgresListener``) only call ``withRaw(_:)`` from
///   `NIOThreadPool` threads or their own dedicated thread, so the blocking libpq calls under
///   the lock never run on the cooperative pool or an event loop.
/// - ``close()`` frees the `PGconn` and sets `raw` to nil under the lock, so a later call
///   throws ``PostgresError/Code/connectionClosed`` instead of touching freed memory.
/// - `@unchecked` is needed because an `OpaquePointer` cannot be `Sendable` and the stored
///   properties must be mutable (nil after close, statement cache).
final class ConnectionHandle: @unchecked Sendable {
    private let lock = NIOLock()
    private var raw: OpaquePointer?
    /// Prepared statements on this session: SQL text → statement name.
    private var statements: [String: String] = [:]

    init(_ raw: OpaquePointer) {
        self.raw = raw
    }

    /// Runs `body` with exclusive use of the live connection.
    func withRaw<T>(_ body: (OpaquePointer, inout [String: String]) throws -> T) throws -> T {
        try lock.withLock {
            guard let raw else {
                throw PostgresError(code: .connectionClosed, message: "the connection is closed")
            }
            return try body(raw, &statements)
        }
    }

    /// True once ``close()`` ran.
    var isClosed: Bool { lock.withLock { raw == nil } }

    /// Closes the connection (sends Terminate; may block briefly). Idempotent.
    func close() {
        lock.withLock {
            if let raw {
                PQfinish(raw)
                self.raw = nil
                statements = [:]
            }
        }
    }

    deinit {
        assert(raw == nil, "a PostgreSQL connection was deinitialized without close()")
        // In release builds, do not leak the socket.
        if let raw { PQfinish(raw) }
    }
}

/// Owns one `PGresult*`, freed on deinit.
///
/// `@unchecked Sendable` is sound because a `PGresult` is immutable once returned by libpq,
/// independent of its connection, and libpq documents results as safe to read from any
/// thread; this class only reads it and frees it exactly once, in `deinit`.
final class ResultHandle: @unchecked Sendable {
    let raw: OpaquePointer

    init(_ raw: OpaquePointer) { self.raw = raw }

    deinit { PQclear(raw) }
}

extension ConnectionHandle {
    /// True when the session is open, healthy and outside any transaction block.
    /// Non-blocking: reads libpq's local state only.
    func isIdleOutsideTransaction() -> Bool {
        (try? withRaw { raw, _ in LibPQ.isIdle(raw) && !LibPQ.isBad(raw) }) ?? false
    }
}
