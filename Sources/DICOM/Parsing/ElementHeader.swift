/// The header of a data element, item or fragment as read from a stream.
public struct ElementHeader: Hashable, Sendable {
    /// The length value that marks an undefined length.
    public static let undefinedLength: UInt32 = 0xFFFF_FFFF

    /// The tag.
    public var tag: Tag
    /// The VR read from the stream (explicit VR) or assigned from the dictionary (implicit VR).
    /// Items and fragments have `UN` here; a `UN` element read as a sequence keeps `UN`.
    public var vr: VR
    /// The value length as encoded (`undefinedLength` for undefined).
    public var length: UInt32
    /// Offset of the tag's first byte in the stream.
    public var offset: Int64
    /// Bytes taken by tag, VR and length: 8 or 12.
    public var headerLength: Int
    /// Whether this element was encoded with explicit VR.
    public var isExplicitVR: Bool
    /// Whether this element's numbers are big endian.
    public var isBigEndian: Bool

    /// Creates a header.
    public init(tag: Tag, vr: VR, length: UInt32, offset: Int64 = 0, headerLength: Int = 8, isExplicitVR: Bool = true, isBigEndian: Bool = false) {
        self.tag = tag
        self.vr = vr
        self.length = length
        self.offset = offset
        self.headerLength = headerLength
        self.isExplicitVR = isExplicitVR
        self.isBigEndian = isBigEndian
    }

    /// Whether the length is undefined (sequences, items, encapsulated pixel data).
    public var isUndefinedLength: Bool { length == ElementHeader.undefinedLength }

    /// Offset of the first value byte.
    public var valueOffset: Int64 { offset + Int64(headerLength) }
}
