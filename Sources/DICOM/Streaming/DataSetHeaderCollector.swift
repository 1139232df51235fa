/// Collects selected top-level elements from a data set whose bytes pass through on their way
/// somewhere else (the receive path writes each network fragment to a file and feeds it here).
///
/// Memory is bounded regardless of object size: values longer than
/// `Configuration.maxValueLength` are skipped, not buffered, and only the wanted elements are
/// kept. The bytes are not copied beyond what the parser needs.
///
/// ```swift
/// let collector = try DataSetHeaderCollector(transferSyntax: syntax)
/// for fragment in fragments { write(fragment); try collector.feed(fragment) }
/// let header = try collector.finish()   // InstanceHeader
/// ```
public final class DataSetHeaderCollector {
    /// What to collect and how far to parse.
    public struct Configuration: Sendable {
        /// Top-level tags to keep.
        public var tags: Set<Tag> = Set(InstanceHeader.tags)
        /// Values longer than this are skipped (a wanted element that long is not kept).
        public var maxValueLength: Int = 1 << 16
        /// Whether to parse the whole data set, checking its structure (true), or stop once
        /// past the last wanted tag (false: cheaper, but a malformed tail goes unnoticed).
        public var validateToEnd: Bool = true
        /// Deepest sequence nesting accepted.
        public var maxDepth: Int = 32

        /// The default configuration.
        public init() {}
    }

    private let parser: DataSetParser
    private let wanted: Set<Tag>
    private var collected = DataSet()
    private var depth = 0
    private var finished = false

    /// Bytes fed so far.
    public private(set) var byteCount: Int64 = 0

    /// Creates a collector for a data set encoded in `transferSyntax`.
    public init(transferSyntax: TransferSyntax, configuration: Configuration = Configuration()) throws(DICOMError) {
        var config = DataSetParser.Configuration()
        config.maxValueLength = configuration.maxValueLength
        config.largeValues = .skip
        config.maxDepth = configuration.maxDepth
        if !configuration.validateToEnd, let last = configuration.tags.max(), last.rawValue < UInt32.max {
            config.stopBefore = Tag(last.rawValue + 1)
        }
        parser = try DataSetParser(transferSyntax: transferSyntax, configuration: config)
        wanted = configuration.tags
    }

    /// The elements collected so far.
    public var elements: DataSet { collected }

    /// Whether every element that will be collected has been (parsing passed the last wanted
    /// tag, or the data set ended).
    public var isHeaderComplete: Bool {
        parser.isComplete || (depth == 0 && lastTagSeen.map { tag in wanted.allSatisfy { $0 <= tag } } ?? false)
    }

    private var lastTagSeen: Tag?

    /// Parses `bytes`, the next part of the data set.
    ///
    /// - Throws: `DICOMError` for malformed data (offset relative to the data set start).
    public func feed(_ bytes: UnsafeRawBufferPointer) throws(DICOMError) {
        byteCount += Int64(bytes.count)
        // The bytes of a skipped value (the pixel data, mostly) are only counted, not copied
        // into the parser: it is given the rest in steps small enough that it reaches the
        // start of such a value before much of it is buffered.
        var rest = bytes
        while !rest.isEmpty, !parser.isComplete {
            // (after `drain()` a skipped value's buffered bytes are consumed, so skipping
            // applies; `skipInput` would ignore it otherwise)
            let skippable = parser.bufferedByteCount == 0 ? parser.skippableInputCount : 0
            let count: Int
            if skippable > 0 {
                count = Int(min(skippable, Int64(rest.count)))
                parser.skipInput(Int64(count))
            } else {
                count = min(rest.count, Self.appendStep)
                parser.append(UnsafeRawBufferPointer(rebasing: rest[..<count]))
            }
            rest = UnsafeRawBufferPointer(rebasing: rest[count...])
            try drain()
        }
    }

    /// Input handed to the parser at a time outside skipped values.
    private static let appendStep = 16 * 1024

    /// Parses `bytes`, the next part of the data set.
    public func feed(_ bytes: [UInt8]) throws(DICOMError) {
        var failure: DICOMError?
        bytes.withUnsafeBytes { raw in
            do throws(DICOMError) { try feed(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Ends the input and returns the decoded header.
    ///
    /// - Throws: `.truncated` if the data set ended inside an element, item or sequence.
    @discardableResult
    public func finish() throws(DICOMError) -> InstanceHeader {
        if !finished {
            finished = true
            parser.finish()
            try drain()
        }
        return InstanceHeader(dataSet: collected)
    }

    private func drain() throws(DICOMError) {
        while let event = try parser.next() {
            switch event {
            case .element(let header, let value):
                if depth == 0 {
                    lastTagSeen = header.tag
                    if wanted.contains(header.tag), var value {
                        if header.isBigEndian, let width = ValueDecoding.swapWidth(for: header.vr) {
                            ValueDecoding.swapBytes(&value, width: width)
                        }
                        collected.elements.append(DataElement(tag: header.tag, vr: header.vr, bytes: value))
                    }
                }
            case .sequenceStart(let header), .fragmentsStart(let header):
                if depth == 0 { lastTagSeen = header.tag }
                depth += 1
            case .sequenceEnd, .fragmentsEnd:
                depth -= 1
            case .valueStart, .valueChunk, .valueEnd, .itemStart, .itemEnd:
                break
            }
        }
    }
}
