import DICOMNetwork
import NIOCore
import NIOPosix
import Synchronization

/// A raw TCP peer for robustness tests: writes arbitrary bytes, collects what comes back.
final class RawPeer: Sendable {
    private let channel: any Channel
    private let collector: Collector

    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        struct State {
            var received = ByteBuffer()
            var closed = false
        }
        let state = Mutex(State())

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = self.unwrapInboundIn(data)
            self.state.withLock { $0.received.writeBuffer(&buffer) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.state.withLock { $0.closed = true }
        }
    }

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    static func connect(port: Int) async throws -> RawPeer {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawPeer(channel: channel, collector: collector)
    }

    func write(_ bytes: [UInt8]) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    func write(_ pdu: PDU) async throws {
        var buffer = ByteBuffer()
        buffer.writePDU(pdu)
        try await self.channel.writeAndFlush(buffer)
    }

    func close() async {
        try? await self.channel.close()
    }

    var isClosed: Bool { self.collector.state.withLock { $0.closed } }

    /// Waits for the next whole PDU from the server; nil if the connection closed or the time ran out.
    func readPDU(timeout: Duration = .seconds(5)) async throws -> PDU? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (pdu, closed): (PDU?, Bool) = try self.collector.state.withLock { state in
                var decoder = PDUDecoder(maxDataTransferLength: 1 << 20)
                return (try decoder.decode(buffer: &state.received), state.closed)
            }
            if let pdu { return pdu }
            if closed { return nil }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// Waits until the server closes the connection; false if still open after `timeout`.
    func waitForClose(timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if self.isClosed { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return self.isClosed
    }
}
