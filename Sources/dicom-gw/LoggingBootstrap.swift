import Glibc
import Logging
import Synchronization

/// Bootstraps swift-log once per process: structured lines on standard error (journald
/// collects them under systemd), or appended to `log.file` when one is configured.
enum LoggingBootstrap {
    private static let done = Mutex(false)

    /// - Throws: `LogFileError` when the log file cannot be opened for appending.
    static func bootstrap(level: Logger.Level, file: String? = nil) throws {
        let first = done.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        let stream = try file.map(LogFileStream.init(path:))
        LoggingSystem.bootstrap { label in
            var handler = stream.map { StreamLogHandler(label: label, stream: $0) } ?? StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// A log file opened for appending.
///
/// swift-log ships no file handler; this is the few lines it takes. `O_APPEND` makes each
/// line's single `write` land at the end even after logrotate's `copytruncate`, and keeps
/// lines from several threads whole. Writing a line is a short blocking call, as writing to
/// standard error is.
struct LogFileStream: TextOutputStream, Sendable {
    private let descriptor: Int32

    init(path: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw LogFileError(path: path, reason: String(cString: strerror(errno)))
        }
        self.descriptor = fd
    }

    mutating func write(_ string: String) {
        var line = string
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(self.descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }  // a full disk must not stop the gateway
                offset += written
            }
        }
    }
}

/// The configured log file cannot be opened.
struct LogFileError: Error, CustomStringConvertible {
    let path: String
    let reason: String

    var description: String { "cannot open log file \(path): \(reason)" }
}
