import DICOMNetwork
import Foundation
import Glibc
import NIOCore
import Synchronization
import Testing

/// A handler that does not read its stream until released.
final class GatedStoreHandler: StoreHandler {
    private let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let released = Mutex(false)
    let bytes = Mutex(0)

    func release() {
        let continuation = self.gate.withLock { gate in
            defer { gate = nil }
            return gate
        }
        self.released.withLock { $0 = true }
        continuation?.resume()
    }

    func store(_ request: StoreRequest, dataSet: DataSetStream) async -> StoreResult {
        await withCheckedContinuation { continuation in
            let already = self.released.withLock { $0 }
            if already {
                continuation.resume()
            } else {
                self.gate.withLock { $0 = continuation }
            }
        }
        do {
            for try await fragment in dataSet {
                self.bytes.withLock { $0 += fragment.readableBytes }
            }
        } catch {
            return .failure(.outOfResources, "\(error)")
        }
        return .success
    }
}

@Suite("Back-pressure")
struct BackPressureTests {
    @Test("the SCP does not read a data set faster than the handler consumes it")
    func slowHandlerStallsSender() async throws {
        let handler = GatedStoreHandler()
        let sent = Counter()
        let total = 96 * 1024 * 1024
        let sop = "1.2.840.10008.5.1.4.1.1.7"
        try await TestServer.with(TestServer.configuration(), handler: handler) { ports in
            let port = try #require(ports.plain)
            async let outcome = BlockingStoreSender.send(port: port, sop: sop, total: total, sent: sent)
            // While the handler reads nothing, only the kernel's socket buffers and the SCP's
            // bounded read-ahead fill up, then the sender blocks: the count stops moving far
            // below the total.
            var last = -1
            var stableSince = ContinuousClock.now
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                let now = sent.value.withLock { $0 }
                if now != last || now == 0 {
                    last = now
                    stableSince = ContinuousClock.now
                } else if ContinuousClock.now - stableSince > .seconds(1) {
                    break
                }
            }
            #expect(last > 0)
            // The sender's own buffer is 32 KB, so what got through sits in the receive path
            // (seen: 2.5 MB, mostly the kernel's receive buffer).
            #expect(last < 16 * 1024 * 1024, "sender got \(last) bytes through with no consumer")
            #expect(handler.bytes.withLock { $0 } == 0)
            handler.release()
            let status = try await outcome
            #expect(status == DIMSEStatus.success.rawValue)
        }
        #expect(handler.bytes.withLock { $0 } == total)
    }

    /// The process's resident memory now, in bytes (Linux).
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kb * 1024
    }

    @Test("our SCU streaming a file does not read ahead of a peer that stopped reading")
    func clientRespectsSlowPeer() async throws {
        let handler = GatedStoreHandler()
        // A sparse file reads back as zeros at memory speed: without back-pressure the whole of
        // it would be queued for the socket within a second.
        let size = 256 * 1024 * 1024
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dicom-gw-bp-\(UUID().uuidString).raw").path
        let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        try #require(fd >= 0)
        try #require(ftruncate(fd, off_t(size)) == 0)
        close(fd)
        defer { unlink(path) }
        let sop = "1.2.840.10008.5.1.4.1.1.7"
        try await TestServer.with(TestServer.configuration(), handler: handler) { ports in
            let port = try #require(ports.plain)
            let contexts: [DICOMClient.ProposedContext] = [.init(abstractSyntax: sop, transferSyntaxes: [NetworkUID.implicitVRLittleEndian])]
            try await SCUTests.client().withAssociation(host: "127.0.0.1", port: port, contexts: contexts) { association in
                // Measured while the peer reads nothing, then the peer is let go. Seen: 9 MB
                // (debug build; mostly the in-process SCP's buffers). Writes made off the event
                // loop overshot the channel's writability by up to ~70 MB in release builds
                // (10-20 MB in debug ones); this bound catches a sender that stops honouring it.
                let before = Self.residentBytes()
                let stalled = Task {
                    try await Task.sleep(for: .milliseconds(1500))
                    let grown = Self.residentBytes() - before
                    handler.release()
                    return grown
                }
                let outcome = try await association.store(
                    fileAt: path, dataSetOffset: 0, transferSyntaxUID: NetworkUID.implicitVRLittleEndian,
                    sopClassUID: sop, sopInstanceUID: "1.2.3.4.5.6")
                let grown = try await stalled.value
                #expect(grown < 32 * 1024 * 1024, "the sender's memory grew by \(grown / 1_048_576) MB with the peer not reading")
                #expect(outcome.disposition == .delivered)
            }
        }
        #expect(handler.bytes.withLock { $0 } == size)
    }
}

/// Sends one large C-STORE over a plain blocking socket with a small send buffer, on a
/// thread of its own, counting the bytes the kernel accepted.
///
/// Not our SCU and not a NIO channel: both queue writes in user space, so their count would
/// say nothing about the SCP (the first version of this test measured the SCU's buffering).
enum BlockingStoreSender {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Returns the C-STORE response status.
    static func send(port: Int, sop: String, total: Int, sent: Counter) async throws -> UInt16 {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try run(port: port, sop: sop, total: total, sent: sent) })
            }
            thread.start()
        }
    }

    private static func run(port: Int, sop: String, total: Int, sent: Counter) throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(fd) }
        var sendBuffer: Int32 = 32 * 1024
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sendBuffer, socklen_t(MemoryLayout<Int32>.size))
        // A test that fails must not leave this thread blocked for ever.
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect: \(errno)") }

        let maxPDV = 16_384 - 6
        try write(fd, .associateRequest(AssociateRequest(
            calledAETitle: "GATEWAY", callingAETitle: "BLOCKING",
            presentationContexts: [.init(id: 1, abstractSyntax: sop, transferSyntaxes: [NetworkUID.explicitVRLittleEndian])],
            userInformation: UserInformation(maxLength: 16_384))))
        guard case .associateAccept = try readPDU(fd) else { throw Failure(description: "association not accepted") }
        let command = CommandSet.storeRequest(messageID: 1, sopClassUID: sop, sopInstanceUID: "1.2.3.4.5")
        try write(fd, .dataTransfer([PresentationDataValue(presentationContextID: 1, isCommand: true, isLast: true, data: command.encoded())]))
        let chunk = ByteBuffer(bytes: [UInt8](repeating: 0x42, count: maxPDV))
        var done = 0
        while done < total {
            let count = min(maxPDV, total - done)
            done += count
            try write(fd, .dataTransfer([PresentationDataValue(
                presentationContextID: 1, isCommand: false, isLast: done == total, data: chunk.getSlice(at: 0, length: count) ?? chunk)]))
            sent.value.withLock { $0 = done }
        }
        guard case .dataTransfer(let pdvs) = try readPDU(fd), let response = pdvs.first,
              let status = try CommandSet.decode(response.data).status
        else { throw Failure(description: "no C-STORE response") }
        try write(fd, .releaseRequest)
        _ = try? readPDU(fd)
        return status.rawValue
    }

    private static func write(_ fd: Int32, _ pdu: PDU) throws {
        var buffer = ByteBuffer()
        buffer.writePDU(pdu)
        let bytes = buffer.readableBytesView
        try bytes.withContiguousStorageIfAvailable { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw Failure(description: "send: \(errno)") }
                offset += n
            }
        }
    }

    private static func readExactly(_ fd: Int32, _ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + offset, count - offset, 0) }
            guard n > 0 else { throw Failure(description: "recv: \(n < 0 ? errno : 0)") }
            offset += n
        }
        return bytes
    }

    private static func readPDU(_ fd: Int32) throws -> PDU {
        let header = try readExactly(fd, 6)
        let length = header[2...5].reduce(0) { $0 << 8 | Int($1) }
        guard length <= 1 << 20 else { throw Failure(description: "PDU of \(length) bytes") }
        var buffer = ByteBuffer(bytes: header + (try readExactly(fd, length)))
        var decoder = PDUDecoder(maxDataTransferLength: 1 << 20)
        guard case .some(let pdu) = try decoder.decode(buffer: &buffer) else { throw Failure(description: "undecodable PDU") }
        return pdu
    }
}

final class Counter: Sendable {
    let value = Mutex(0)
}
