/// A data element held in memory: tag, VR and value.
///
/// Numeric values are kept in little-endian byte order whatever the source encoding (the
/// reader swaps big-endian input), so the accessors need no byte-order argument.
public struct DataElement: Sendable, Hashable {
    /// The value of a data element.
    public enum Value: Sendable, Hashable {
        /// The value bytes (little endian for numbers), without any change to padding.
        case bytes([UInt8])
        /// The items of a sequence.
        case sequence([DataSet])
        /// Encapsulated pixel data: the Basic Offset Table first, then the fragments.
        case fragments([[UInt8]])
        /// A value that was not loaded (longer than the reader's cap), with its length.
        case skipped(length: UInt32)
    }

    /// The tag.
    public var tag: Tag
    /// The VR (for sequences read from `UN` elements, `UN`: their content is written in
    /// Implicit VR Little Endian).
    public var vr: VR
    /// The value.
    public var value: Value
    /// Whether a sequence or encapsulated value is (to be) written with undefined length.
    public var hasUndefinedLength: Bool

    /// Creates an element.
    public init(tag: Tag, vr: VR, value: Value, hasUndefinedLength: Bool = false) {
        self.tag = tag
        self.vr = vr
        self.value = value
        self.hasUndefinedLength = hasUndefinedLength
    }

    /// Creates an element holding `bytes`.
    public init(tag: Tag, vr: VR, bytes: [UInt8]) {
        self.init(tag: tag, vr: vr, value: .bytes(bytes))
    }

    /// Creates a string element, padded to even length with the VR's padding byte.
    public init(tag: Tag, vr: VR, string: String) {
        var bytes = Array(string.utf8)
        if bytes.count % 2 == 1 { bytes.append(vr.paddingByte) }
        self.init(tag: tag, vr: vr, value: .bytes(bytes))
    }

    /// The raw value bytes, nil for sequences, fragments and skipped values.
    public var bytes: [UInt8]? {
        if case .bytes(let bytes) = value { return bytes }
        return nil
    }

    /// The items, nil unless this is a sequence.
    public var items: [DataSet]? {
        if case .sequence(let items) = value { return items }
        return nil
    }

    /// Whether the element holds a sequence.
    public var isSequence: Bool { items != nil }
}
