import CLibPQ
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Receives LISTEN/NOTIFY on a dedicated connection driven by its own thread.
///
/// The thread blocks in `poll` on the connection's socket and a wake pipe (no busy loop).
/// When the connection is lost it reconnects with backoff (up to 2 s between tries), issues
/// LISTEN again for every channel and yields one ``PostgresNotification/afterReconnect`` event
/// per channel. The raw `PGconn` never leaves that thread.
final class PostgresListener: Sendable {
    private let url: String
    private let channels: [String]
    private let connectTimeoutSeconds: Int
    private let logger: Logger
    private let wake: WakePipe

    init(url: String, channels: [String], connectTimeoutSeconds: Int, logger: Logger) throws {
        self.url = url
        self.channels = channels
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.logger = logger
        self.wake = try WakePipe()
    }

    /// Asks the thread to close the connection and finish the stream.
    func stop() { wake.signal() }

    /// Starts the thread; returns once every channel is listened to.
    /// - Throws: ``PostgresError`` when the first connection or LISTEN fails.
    func start(
        continuation: AsyncThrowingStream<PostgresNotification, any Error>.Continuation,
        onExit: @escaping @Sendable () -> Void
    ) async throws {
        try await withCheckedThrowingContinuation { (ready: CheckedContinuation<Void, any Error>) in
            let thread = Thread { [self] in
                self.loop(ready: ready, continuation: continuation)
                self.wake.close()
                continuation.finish()
                onExit()
            }
            thread.name = "pg-listen"
            thread.start()
        }
    }

    private func connectAndListen() throws -> OpaquePointer {
        let raw = try LibPQ.connect(
            conninfo: url, connectTimeoutSeconds: connectTimeoutSeconds, applicationName: "dicom-gw listener")
        do {
            for channel in channels {
                _ = try LibPQ.execSimple(raw, sql: "LISTEN \(quoteIdentifier(channel))")
            }
        } catch {
            PQfinish(raw)
            throw error
        }
        return raw
    }

    private func loop(
        ready: CheckedContinuation<Void, any Error>,
        continuation: AsyncThrowingStream<PostgresNotification, any Error>.Continuation
    ) {
        var raw: OpaquePointer?
        do {
            raw = try connectAndListen()
            ready.resume()
        } catch {
            ready.resume(throwing: error)
            return
        }
        var backoffMilliseconds: Int32 = 100
        while !wake.isSignalled {
            guard let conn = raw else {
                // Wait before retrying, but wake at once on stop.
                var pfd = pollfd(fd: wake.readDescriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&pfd, 1, backoffMilliseconds)
                if wake.isSignalled { break }
                do {
                    raw = try connectAndListen()
                    backoffMilliseconds = 100
                    logger.info("PostgreSQL listener reconnected", metadata: ["postgres.channels": "\(channels)"])
                    for channel in channels {
                        continuation.yield(PostgresNotification(channel: channel, payload: "", backendPID: 0, afterReconnect: true))
                    }
                } catch {
                    logger.debug("PostgreSQL listener cannot reconnect yet: \(error)")
                    backoffMilliseconds = min(backoffMilliseconds * 2, 2000)
                }
                continue
            }
            var pfds = [
                pollfd(fd: PQsocket(conn), events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.readDescriptor, events: Int16(POLLIN), revents: 0),
            ]
            let n = poll(&pfds, 2, -1)
            if n < 0 && errno == EINTR { continue }
            if wake.isSignalled { break }
            guard pfds[0].revents != 0 else { continue }
            if PQconsumeInput(conn) == 0 || PQstatus(conn) == CONNECTION_BAD {
                logger.warning("PostgreSQL listener lost its connection: \(LibPQ.errorMessage(conn))")
                PQfinish(conn)
                raw = nil
                continue
            }
            while let note = PQnotifies(conn) {
                let notification = PostgresNotification(
                    channel: String(cString: note.pointee.relname),
                    payload: note.pointee.extra.map { String(cString: $0) } ?? "",
                    backendPID: note.pointee.be_pid)
                PQfreemem(note)
                continuation.yield(notification)
            }
        }
        if let raw { PQfinish(raw) }
    }
}

/// Quotes an SQL identifier ("" doubles an embedded quote).
func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
