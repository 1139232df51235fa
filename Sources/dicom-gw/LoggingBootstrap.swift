import Gateway
import Glibc
import Logging
import Synchronization

/// Bootstraps swift-log once per process: structured lines on standard error (journald
/// collects them under systemd), or appended to `log.file` when one is configured.
///
/// Lines are written by a thread of their own (`QueuedLogWriter`): no event loop or
/// cooperative-pool thread blocks on a slow journald or disk. What is queued is written at
/// exit.
enum LoggingBootstrap {
    private static let writer = Mutex<QueuedLogWriter?>(nil)

    /// - Throws: `LogFileError` when the log file cannot be opened for appending.
    static func bootstrap(level: Logger.Level, file: String? = nil) throws {
        let created = try writer.withLock { writer -> QueuedLogWriter? in
            guard writer == nil else { return nil }
            let descriptor = try file.map(openLogFile(path:)) ?? STDERR_FILENO
            writer = QueuedLogWriter(descriptor: descriptor)
            return writer
        }
        guard let created else { return }
        atexit { LoggingBootstrap.flush() }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler(label: label, stream: QueuedLogStream(created))
            handler.logLevel = level
            return handler
        }
    }

    /// Writes what is queued (at exit; bounded).
    static func flush() {
        writer.withLock { $0 }?.flush()
    }

    /// Opens the log file for appending. `O_APPEND` makes each write land at the end even
    /// after logrotate's `copytruncate`, and keeps lines whole.
    private static func openLogFile(path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw LogFileError(path: path, reason: String(cString: strerror(errno)))
        }
        return fd
    }
}

/// The configured log file cannot be opened.
struct LogFileError: Error, CustomStringConvertible {
    let path: String
    let reason: String

    var description: String { "cannot open log file \(path): \(reason)" }
}
