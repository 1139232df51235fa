/// One line of a dcmdump-style listing: an element, a sequence, an item or a fragment.
public struct DumpRecord: Sendable, Hashable {
    /// What the line describes.
    public enum Kind: Sendable, Hashable {
        case element, sequence, item, fragments, fragment
    }

    /// What the line describes.
    public var kind: Kind
    /// Nesting depth (0 at top level).
    public var depth: Int
    /// The tag.
    public var tag: Tag
    /// The VR as read or assigned (`SQ` for sequences, including UN ones).
    public var vr: VR
    /// The encoded length, `ElementHeader.undefinedLength` for undefined.
    public var length: UInt32
    /// The value as text: strings without padding, numbers in decimal, bytes in hex; nil
    /// for sequences, items and values not loaded.
    public var value: String?
    /// Whether the element was encoded with explicit VR.
    public var isExplicitVR: Bool
    /// Offset of the element in the file.
    public var offset: Int64

    /// Creates a record.
    public init(kind: Kind, depth: Int, tag: Tag, vr: VR, length: UInt32, value: String?, isExplicitVR: Bool, offset: Int64) {
        self.kind = kind
        self.depth = depth
        self.tag = tag
        self.vr = vr
        self.length = length
        self.value = value
        self.isExplicitVR = isExplicitVR
        self.offset = offset
    }
}

/// Turns `DataSetEvent`s into `DumpRecord`s, decoding text with the data set's Specific
/// Character Set.
public struct DumpRecorder: Sendable {
    /// The records so far.
    public private(set) var records: [DumpRecord] = []
    private var depth = 0
    private var characterSet = SpecificCharacterSet.default
    private var streamed: (header: ElementHeader, bytes: [UInt8])?
    private let maxValueBytes: Int

    /// Creates a recorder keeping at most `maxValueBytes` of each streamed value for display.
    public init(maxValueBytes: Int = 1 << 20) {
        self.maxValueBytes = maxValueBytes
    }

    /// Adds one event.
    public mutating func add(_ event: DataSetEvent) {
        switch event {
        case .element(let header, let value):
            addElement(header, value: value)
        case .valueStart(let header):
            streamed = (header, [])
        case .valueChunk(let chunk):
            if let current = streamed, current.bytes.count < maxValueBytes {
                streamed?.bytes.append(contentsOf: chunk.prefix(maxValueBytes - current.bytes.count))
            }
        case .valueEnd:
            if let (header, bytes) = streamed {
                addElement(header, value: bytes.count == Int(header.length) ? bytes : nil)
            }
            streamed = nil
        case .sequenceStart(let header):
            records.append(record(.sequence, header, vr: .SQ, value: nil))
            depth += 1
        case .itemStart(let header):
            records.append(record(.item, header, vr: header.vr, value: nil))
            depth += 1
        case .fragmentsStart(let header):
            records.append(record(.fragments, header, vr: header.vr, value: nil))
            depth += 1
        case .itemEnd, .sequenceEnd, .fragmentsEnd:
            depth -= 1
        }
    }

    private mutating func addElement(_ header: ElementHeader, value: [UInt8]?) {
        let kind: DumpRecord.Kind = header.tag == .item ? .fragment : .element
        var text: String?
        if var bytes = value {
            if header.isBigEndian, let width = ValueDecoding.swapWidth(for: header.vr) {
                ValueDecoding.swapBytes(&bytes, width: width)
            }
            if header.tag == .specificCharacterSet && depth == 0 {
                characterSet = SpecificCharacterSet(bytes)
            }
            text = ValueFormatter.text(bytes, vr: header.vr, characterSet: characterSet)
        }
        records.append(record(kind, header, vr: header.vr, value: text))
    }

    private func record(_ kind: DumpRecord.Kind, _ header: ElementHeader, vr: VR, value: String?) -> DumpRecord {
        DumpRecord(
            kind: kind, depth: depth, tag: header.tag, vr: vr, length: header.length, value: value,
            isExplicitVR: header.isExplicitVR, offset: header.offset)
    }
}
