public import NIOCore

/// Incremental PDU decoder: waits for a whole PDU, never buffers one larger than its caps.
///
/// The 6-byte header is peeked first; a PDU whose length exceeds the cap for its type is
/// refused before any of its body is buffered. On a short read the reader index is left
/// where it was, so the next call starts again at the PDU header.
public struct PDUDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = PDU

    /// The largest P-DATA-TF variable field accepted: the value we advertise in item 51h.
    public var maxDataTransferLength: UInt32
    /// The largest association-control PDU accepted (A-ASSOCIATE-RQ/AC and friends).
    public var maxAssociationPDULength: UInt32
    private var sawFirstPDU = false

    /// The default cap for association PDUs: 128 contexts with many transfer syntaxes fit easily.
    public static let defaultMaxAssociationPDULength: UInt32 = 256 * 1024

    /// Creates a decoder.
    /// - Parameters:
    ///   - maxDataTransferLength: the maximum P-DATA-TF length we advertise (never 0 here).
    ///   - maxAssociationPDULength: the cap for all other PDU types.
    public init(
        maxDataTransferLength: UInt32,
        maxAssociationPDULength: UInt32 = PDUDecoder.defaultMaxAssociationPDULength
    ) {
        self.maxDataTransferLength = maxDataTransferLength
        self.maxAssociationPDULength = maxAssociationPDULength
    }

    /// Decodes one PDU if the buffer holds a whole one.
    /// - Throws: `PDUDecodingError` for an unknown type, an oversized or a malformed PDU.
    public mutating func decode(buffer: inout ByteBuffer) throws -> PDU? {
        let start = buffer.readerIndex
        guard let (type, second, length) = buffer.getMultipleIntegers(
            at: start, endianness: .big, as: (UInt8, UInt8, UInt32).self
        ) else {
            return nil
        }
        let firstPDU = !self.sawFirstPDU
        self.sawFirstPDU = true
        guard (0x01...0x07).contains(type) else {
            // 16 03 xx: a TLS record header (handshake, TLS 1.x); its "length" would be huge.
            if firstPDU && type == 0x16 && second == 0x03 {
                throw PDUDecodingError(
                    code: .tlsHandshakeOnPlainPort, pduType: type,
                    message: "received a TLS ClientHello on a plain DICOM port", abortReason: .unrecognizedPDU)
            }
            throw PDUDecodingError(
                code: .unrecognizedPDUType, pduType: type,
                message: "unknown PDU type \(type)", abortReason: .unrecognizedPDU)
        }
        let cap = type == 0x04 ? self.maxDataTransferLength : self.maxAssociationPDULength
        guard length <= cap else {
            throw PDUDecodingError(
                code: .pduTooLarge, pduType: type,
                message: "PDU length \(length) exceeds the maximum \(cap)", abortReason: .invalidPDUParameterValue)
        }
        guard buffer.readableBytes >= 6 + Int(length) else {
            return nil
        }
        buffer.moveReaderIndex(forwardBy: 6)
        // The length was checked against the readable bytes just above.
        guard var body = buffer.readSlice(length: Int(length)) else {
            buffer.moveReaderIndex(to: start)
            return nil
        }
        return try PDUParser.parse(type: type, body: &body)
    }

    /// Decodes at end of stream; a partial PDU left over is simply dropped by the caller.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> PDU? {
        try self.decode(buffer: &buffer)
    }
}
