import DICOMNetwork
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
    @Test(
        "the SCP does not read a data set faster than the handler consumes it",
        .disabled("unreliable: the sending side (SCU in-memory path) buffers 40-130 MB on its own, so the sent count does not measure the SCP; rewrite with a raw socket sender (issue 4/11 note)")
    )
    func slowHandlerStallsSender() async throws {
        let handler = GatedStoreHandler()
        let sent = Counter()
        let total = 160 * 1024 * 1024
        let sop = "1.2.840.10008.5.1.4.1.1.7"
        try await TestServer.with(TestServer.configuration(), handler: handler) { ports in
            let port = try #require(ports.plain)
            try await RawPeerSender.run(port: port, sop: sop, total: total, sent: sent, afterStall: {
                // While the handler reads nothing, only socket and channel buffers fill up, then the
                // sender stalls for good: the count stops moving far below the total.
                var last = -1
                var stableSince = ContinuousClock.now
                let deadline = ContinuousClock.now + .seconds(20)
                while ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    let now = sent.value.withLock { $0 }
                    if now != last || now == 0 {
                        last = now
                        stableSince = ContinuousClock.now
                    } else if ContinuousClock.now - stableSince > .milliseconds(700) {
                        break
                    }
                }
                #expect(last > 0)
                // Socket and channel buffers on loopback absorb tens of MB (seen: 40-90 MB);
                // what matters is that the sender stalls well before the end of the data set.
                #expect(last < total * 3 / 4, "sender got \(last) bytes through with no consumer")
                #expect(handler.bytes.withLock { $0 } == 0)
                handler.release()
            })
        }
        #expect(handler.bytes.withLock { $0 } == total)
    }
}

/// Sends one large C-STORE with our SCU's in-memory path, counting what gets written.
enum RawPeerSender {
    static func run(
        port: Int, sop: String, total: Int, sent: Counter, afterStall: @Sendable () async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let client = SCUTests.client()
                let contexts = [DICOMClient.ProposedContext(abstractSyntax: sop, transferSyntaxes: [NetworkUID.explicitVRLittleEndian])]
                try await client.withAssociation(host: "127.0.0.1", port: port, contexts: contexts) { association in
                    let outcome = try await association.store(
                        dataSet: ByteBuffer(bytes: [UInt8](repeating: 0x42, count: total)), transferSyntaxUID: NetworkUID.explicitVRLittleEndian,
                        sopClassUID: sop, sopInstanceUID: "1.2.3", progress: { bytes in sent.value.withLock { $0 = bytes } })
                    #expect(outcome.status == .success)
                }
            }
            try await Task.sleep(for: .milliseconds(200))
            try await afterStall()
            try await group.waitForAll()
        }
    }
}

final class Counter: Sendable {
    let value = Mutex(0)
}
