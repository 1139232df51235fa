import NIOCore

extension PresentationDataValue {
    /// Splits a command or data set into PDVs whose values fit `maxValueLength` bytes
    /// (the peer's maximum PDU length minus the 6 bytes of PDV header), without copying.
    static func fragments(
        of buffer: ByteBuffer, contextID: UInt8, isCommand: Bool, maxValueLength: Int
    ) -> [PresentationDataValue] {
        var rest = buffer
        var values: [PresentationDataValue] = []
        let size = max(1, maxValueLength)
        repeat {
            let length = min(size, rest.readableBytes)
            let slice = rest.readSlice(length: length) ?? ByteBuffer()
            values.append(.init(presentationContextID: contextID, isCommand: isCommand, isLast: rest.readableBytes == 0, data: slice))
        } while rest.readableBytes > 0
        return values
    }

    /// The largest PDV value that fits a peer's advertised maximum PDU length (0 = unlimited).
    static func maxValueLength(forPeerMaximum peerMax: UInt32?, fallback: Int = 256 * 1024) -> Int {
        guard let peerMax, peerMax > 0 else { return fallback }
        // Never below a sane floor: a peer advertising 1 byte would otherwise cost a PDU per byte.
        return max(Int(min(peerMax, 64 * 1024 * 1024)) - 6, 128)
    }
}
