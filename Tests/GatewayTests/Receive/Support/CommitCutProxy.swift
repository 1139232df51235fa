import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A TCP relay in front of PostgreSQL that, once armed, lets the next `COMMIT` (simple query)
/// reach the server, holds back the server's answer, and then cuts that connection: the
/// transaction commits, and its client sees the connection lost before learning so.
final class CommitCutProxy: Sendable {
    let port: Int
    private let listener: Int32
    private let targetPort: Int
    private let armed = Atomic<Bool>(false)
    private let cutCount = Atomic<Int>(0)

    /// The simple-query message `COMMIT`: 'Q', its length (11), the text and a NUL.
    private static let commit: [UInt8] = [0x51, 0, 0, 0, 11] + Array("COMMIT".utf8) + [0]

    init(targetPort: Int) throws {
        self.targetPort = targetPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            Glibc.close(fd)
            throw TestFailure("bind or listen failed")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: actual.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Cuts the connection of the next COMMIT.
    func arm() { armed.store(true, ordering: .sequentiallyConsistent) }

    /// How many connections were cut.
    var cuts: Int { cutCount.load(ordering: .sequentiallyConsistent) }

    func close() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private final class Pair: Sendable {
        let client: Int32
        let server: Int32
        /// Set when the COMMIT passed: nothing more goes back to the client.
        let holding = Atomic<Bool>(false)
        init(client: Int32, server: Int32) {
            self.client = client
            self.server = server
        }
        func cut() {
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(server, Int32(SHUT_RDWR))
        }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: UInt16(targetPort))
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                Glibc.close(client)
                Glibc.close(server)
                continue
            }
            let pair = Pair(client: client, server: server)
            Thread.detachNewThread { [self] in pump(pair, toServer: true) }
            Thread.detachNewThread { [self] in pump(pair, toServer: false) }
        }
    }

    private func pump(_ pair: Pair, toServer: Bool) {
        let from = toServer ? pair.client : pair.server
        let to = toServer ? pair.server : pair.client
        var buffer = [UInt8](repeating: 0, count: 65536)
        var tail: [UInt8] = []
        loop: while true {
            let count = read(from, &buffer, buffer.count)
            guard count > 0 else { break }
            if !toServer && pair.holding.load(ordering: .sequentiallyConsistent) { continue }
            var cutAfter = false
            if toServer && armed.load(ordering: .sequentiallyConsistent) {
                let window = tail + buffer[0..<count]
                if Self.contains(window, Self.commit), armed.exchange(false, ordering: .sequentiallyConsistent) {
                    pair.holding.store(true, ordering: .sequentiallyConsistent)
                    cutAfter = true
                }
                tail = Array(window.suffix(Self.commit.count - 1))
            }
            var sent = 0
            while sent < count {
                let written = buffer[sent..<count].withUnsafeBytes { write(to, $0.baseAddress, $0.count) }
                guard written > 0 else { break loop }
                sent += written
            }
            if cutAfter {
                // Time for the server to commit and answer; the answer is dropped.
                usleep(300_000)
                cutCount.add(1, ordering: .sequentiallyConsistent)
                break
            }
        }
        pair.cut()
        Glibc.close(from)
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }
}
