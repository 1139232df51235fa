import Logging
import Synchronization

/// Collects log messages so tests can assert on what was logged.
final class LogCapture: Sendable {
    private let messages = Mutex<[String]>([])

    var all: [String] { self.messages.withLock { $0 } }

    func contains(_ text: String) -> Bool { self.all.contains { $0.contains(text) } }

    func logger(label: String = "test.capture") -> Logger {
        Logger(label: label) { _ in Handler(capture: self) }
    }

    fileprivate func append(_ message: String) { self.messages.withLock { $0.append(message) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            self.capture.append("\(event.level) \(event.message)")
        }
    }
}
