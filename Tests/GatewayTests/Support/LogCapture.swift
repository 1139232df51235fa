import Logging
import Synchronization

/// A logger whose events the test reads back: `level message` of each, and the
/// `forward.destination` metadata (empty when absent).
final class LogCapture: Sendable {
    private let events = Mutex<[(line: String, destination: String)]>([])
    var lines: [String] { events.withLock { $0.map(\.line) } }
    var destinations: [String] { events.withLock { $0.map(\.destination) } }
    var logger: Logger { Logger(label: "test") { _ in Handler(capture: self) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let destination = event.metadata?["forward.destination"].map { "\($0)" } ?? ""
            capture.events.withLock { $0.append(("\(event.level) \(event.message)", destination)) }
        }
    }
}
