import Foundation
import Gateway
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The log writer: lines in order on the descriptor, and a caller that never waits for it.
@Suite("Log lines written off the logging thread")
struct QueuedLogWriterTests {
    /// A pipe whose read end is non-blocking.
    static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        try #require(Glibc.pipe(&fds) == 0)
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        return (fds[0], fds[1])
    }

    /// Reads what the pipe holds until `done` says so or 10 s passed.
    static func read(_ fd: Int32, until done: (String) -> Bool) -> String {
        var text = Data()
        let deadline = Date(timeIntervalSinceNow: 10)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline {
            let count = Glibc.read(fd, &buffer, buffer.count)
            if count > 0 {
                text.append(contentsOf: buffer[0..<count])
                if done(String(decoding: text, as: UTF8.self)) { break }
            } else {
                usleep(2_000)
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    @Test("lines arrive whole and in order; flush waits for them")
    func inOrder() throws {
        let fds = try Self.pipe()
        defer { close(fds.read); close(fds.write) }
        let writer = QueuedLogWriter(descriptor: fds.write)
        var stream = QueuedLogStream(writer)
        for i in 0..<500 { stream.write("line \(i)\n") }
        writer.flush()
        let text = Self.read(fds.read) { $0.hasSuffix("line 499\n") }
        #expect(text.split(separator: "\n") == (0..<500).map { "line \($0)"[...] })
    }

    @Test("a destination that stops reading never blocks the caller: lines beyond the budget are dropped and counted")
    func stalledDestination() throws {
        let fds = try Self.pipe()
        defer { close(fds.read); close(fds.write) }
        let writer = QueuedLogWriter(descriptor: fds.write, budget: 16 * 1024)
        let line = String(repeating: "x", count: 1023) + "\n"
        let start = ContinuousClock.now
        // Nobody reads: the pipe (64 KiB) fills, the writer thread blocks in write(2), the
        // queue fills its 16 KiB budget, and the rest is dropped.
        for _ in 0..<400 { writer.write(line) }
        let took = ContinuousClock.now - start
        #expect(took < .seconds(1), "the caller waited \(took)")

        // Reading lets the writer go on; each drop notice counts the lines dropped since the last.
        func tally(_ text: String) -> (written: Int, dropped: Int) {
            let lines = text.split(separator: "\n")
            let dropped = lines.filter { $0.contains("log line(s) dropped") }
                .compactMap { line in line.split(separator: " ").lazy.compactMap { Int($0) }.first }
                .reduce(0, +)
            return (lines.filter { $0.hasPrefix("xxx") }.count, dropped)
        }
        let text = Self.read(fds.read) { let t = tally($0); return t.written + t.dropped >= 400 }
        let (written, dropped) = tally(text)
        #expect(written + dropped == 400, "\(written) written, \(dropped) dropped")
        #expect(dropped > 0)
    }
}
