public import NIOCore

/// One presentation data value item inside a P-DATA-TF PDU (PS3.8 §9.3.5.1).
public struct PresentationDataValue: Sendable, Hashable {
    /// The presentation context this fragment belongs to (odd, 1–255).
    public var presentationContextID: UInt8
    /// `true` for a command fragment, `false` for a data set fragment.
    public var isCommand: Bool
    /// `true` on the last fragment of a command or data set.
    public var isLast: Bool
    /// The fragment's bytes.
    public var data: ByteBuffer

    /// Creates a presentation data value.
    public init(presentationContextID: UInt8, isCommand: Bool, isLast: Bool, data: ByteBuffer) {
        self.presentationContextID = presentationContextID
        self.isCommand = isCommand
        self.isLast = isLast
        self.data = data
    }

    /// The message control header byte: bit 0 command, bit 1 last fragment.
    var messageControlHeader: UInt8 {
        (self.isCommand ? 0x01 : 0x00) | (self.isLast ? 0x02 : 0x00)
    }
}
