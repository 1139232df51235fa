import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Writes log lines to a file descriptor from a thread of its own.
///
/// swift-log's `StreamLogHandler` writes each line with a blocking call on the thread that
/// logs: an event loop serving an association, or the cooperative pool. Standard error under
/// systemd is a socket to journald, and a journald that stops reading (restarting, starved of
/// CPU or disk) would stall that thread with it. Here the caller only appends the line to a
/// queue; one thread writes what has queued up, several lines per `write`. Lines keep their
/// order. When more than ``budget`` bytes are waiting, further lines are dropped rather than
/// block, and a line saying how many went is written once the writer catches up.
///
/// Written by hand: swift-log ships no asynchronous handler, and this is one queue and one
/// thread in front of the handler it does ship.
public final class QueuedLogWriter: Sendable {
    private struct State {
        var lines: [String] = []
        var bytes = 0
        var dropped = 0
        var writing = false
    }

    private let descriptor: Int32
    /// Bytes of queued lines beyond which new lines are dropped.
    public let budget: Int
    private let state = Mutex(State())
    /// Announces each change of `state` to the writer thread and to ``flush(timeout:)``: a
    /// waiter checks `state` holding this lock, a changer announces holding it, so no
    /// announcement falls between a check and its wait.
    private let changed = NSCondition()

    /// A writer to `descriptor` (not closed by it), holding at most `budget` bytes queued.
    public init(descriptor: Int32, budget: Int = 4 << 20, name: String = "log-writer") {
        self.descriptor = descriptor
        self.budget = budget
        let thread = Thread { [self] in self.run() }
        thread.name = name
        thread.start()
    }

    /// Queues `line` (ending in a newline) for writing; never blocks on the descriptor.
    public func write(_ line: String) {
        let queued = state.withLock { state -> Bool in
            guard state.bytes + line.utf8.count <= budget else {
                state.dropped += 1
                return false
            }
            state.lines.append(line)
            state.bytes += line.utf8.count
            return true
        }
        if queued { announce() }
    }

    private func announce() {
        changed.lock()
        changed.broadcast()
        changed.unlock()
    }

    /// Waits until every line queued so far is written, or `timeout` passed (at exit).
    public func flush(timeout: Duration = .seconds(2)) {
        let deadline = Date(timeIntervalSinceNow: Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        changed.lock()
        defer { changed.unlock() }
        while state.withLock({ !$0.lines.isEmpty || $0.writing || $0.dropped > 0 }) {
            guard changed.wait(until: deadline) else { return }
        }
    }

    private func run() {
        while true {
            changed.lock()
            while state.withLock({ $0.lines.isEmpty && $0.dropped == 0 }) { changed.wait() }
            changed.unlock()
            let (lines, dropped) = state.withLock { state -> ([String], Int) in
                defer {
                    state.lines = []
                    state.bytes = 0
                    state.dropped = 0
                    state.writing = true
                }
                return (state.lines, state.dropped)
            }
            var text = lines.joined()
            if dropped > 0 {
                text += "\(Self.timestamp()) warning dicom-gw: \(dropped) log line(s) dropped: the log destination did not keep up\n"
            }
            Self.writeAll(text, to: descriptor)
            state.withLock { $0.writing = false }
            announce()
        }
    }

    private static func writeAll(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }  // a full disk or a closed journald must not stop the gateway
                offset += written
            }
        }
    }

    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [Int8](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A `TextOutputStream` for `StreamLogHandler` that hands each line to a ``QueuedLogWriter``.
public struct QueuedLogStream: TextOutputStream, Sendable {
    let writer: QueuedLogWriter

    public init(_ writer: QueuedLogWriter) {
        self.writer = writer
    }

    public mutating func write(_ string: String) {
        writer.write(string)
    }
}
