import Logging
import NIOCore

/// Placed in front of the TLS handler on a TLS listener: recognises a plain A-ASSOCIATE-RQ
/// (01 00 …) where a TLS ClientHello (16 03 …) should be, logs it as such and closes,
/// instead of leaving only an obscure handshake error in the log.
final class PlainDICOMOnTLSPortDetector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = self.unwrapInboundIn(data)
        if let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self), first == 0x01,
            buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) ?? 0 == 0x00
        {
            self.logger.warning("plain (non-TLS) DICOM A-ASSOCIATE-RQ received on the TLS port; closing")
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
