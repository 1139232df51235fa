/// Builds an in-memory `DataSet` from `DataSetEvent`s.
///
/// Big-endian numbers are swapped to little endian. Streamed values are collected (the
/// parser's `maxValueLength` bounds what is buffered; use `.stream` only when the whole
/// value is wanted in memory).
public struct DataSetBuilder: Sendable {
    private struct Open {
        var header: ElementHeader
        var items: [DataSet] = []
        var fragments: [[UInt8]] = []
        var isFragments: Bool
    }

    private var levels: [DataSet] = [DataSet()]
    private var openSequences: [Open] = []
    private var streaming: (header: ElementHeader, bytes: [UInt8])?

    /// Creates an empty builder.
    public init() {}

    /// The data set built so far (complete once the parser is complete).
    public var dataSet: DataSet { levels[0] }

    /// Adds one event.
    public mutating func add(_ event: DataSetEvent) {
        switch event {
        case .element(let header, let value):
            if let value {
                addValue(header, bytes: value)
            } else if openSequences.last?.isFragments == true {
                openSequences[openSequences.count - 1].fragments.append([])
            } else {
                append(DataElement(tag: header.tag, vr: header.vr, value: .skipped(length: header.length)))
            }
        case .valueStart(let header):
            streaming = (header, [])
        case .valueChunk(let chunk):
            streaming?.bytes.append(contentsOf: chunk)
        case .valueEnd:
            if let (header, bytes) = streaming {
                addValue(header, bytes: bytes)
            }
            streaming = nil
        case .sequenceStart(let header):
            openSequences.append(Open(header: header, isFragments: false))
        case .fragmentsStart(let header):
            openSequences.append(Open(header: header, isFragments: true))
        case .itemStart(let header):
            levels.append(DataSet(hasUndefinedLength: header.isUndefinedLength))
        case .itemEnd:
            if levels.count > 1, !openSequences.isEmpty {
                let item = levels.removeLast()
                openSequences[openSequences.count - 1].items.append(item)
            }
        case .sequenceEnd, .fragmentsEnd:
            guard let open = openSequences.popLast() else { return }
            let value: DataElement.Value = open.isFragments ? .fragments(open.fragments) : .sequence(open.items)
            append(DataElement(
                tag: open.header.tag, vr: open.header.vr, value: value,
                hasUndefinedLength: open.header.isUndefinedLength))
        }
    }

    private mutating func addValue(_ header: ElementHeader, bytes: [UInt8]) {
        var bytes = bytes
        if header.isBigEndian, let width = ValueDecoding.swapWidth(for: header.vr) {
            ValueDecoding.swapBytes(&bytes, width: width)
        }
        if header.tag == .item, openSequences.last?.isFragments == true {
            openSequences[openSequences.count - 1].fragments.append(bytes)
            return
        }
        append(DataElement(tag: header.tag, vr: header.vr, value: .bytes(bytes)))
    }

    private mutating func append(_ element: DataElement) {
        levels[levels.count - 1].elements.append(element)
    }
}
