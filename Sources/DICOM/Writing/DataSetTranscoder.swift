/// Re-encodes a stream of `DataSetEvent`s in another uncompressed transfer syntax, without
/// holding the data set: each event yields the bytes to send or write next.
///
/// Typical use is a C-STORE SCU whose peer accepted only Implicit VR Little Endian for an
/// object stored as Explicit VR Little Endian (or the reverse): read the file with a
/// `DICOMFileReader` whose parser streams large values (`LargeValuePolicy.stream`) and
/// transcode event by event (see `transcode(path:to:maxValueLength:output:)`).
///
/// Sequences and items are written with undefined length, since converting between explicit
/// and implicit VR changes the length of their content. A UN sequence keeps its Implicit VR
/// Little Endian content; values too long for a 16-bit length become UN in explicit VR.
public struct DataSetTranscoder: Sendable {
    private struct Level {
        var explicitVR: Bool
        var bigEndian: Bool
    }

    /// The syntax written.
    public let target: TransferSyntax
    private var levels: [Level]
    private var streamHeader: ElementHeader?
    private var carry: [UInt8] = []

    /// Creates a transcoder writing `target` (native, non-deflated syntaxes only).
    ///
    /// - Throws: `.unsupportedTransferSyntax` for deflated or encapsulated targets.
    public init(target: TransferSyntax) throws(DICOMError) {
        guard target.isNative else {
            throw DICOMError(.unsupportedTransferSyntax, "cannot transcode to \(target.name)")
        }
        self.target = target
        self.levels = [Level(explicitVR: target.isExplicitVR, bigEndian: target.isBigEndian)]
    }

    /// The bytes that encode `event` in the target syntax (possibly empty).
    ///
    /// - Throws: `.invalidValue` for a value the parser skipped (use `.stream` for large values).
    public mutating func encode(_ event: DataSetEvent) throws(DICOMError) -> [UInt8] {
        let level = levels[levels.count - 1]
        var writer = ByteWriter(bigEndian: level.bigEndian)
        switch event {
        case .element(let header, let value):
            guard var value else {
                throw DICOMError(.invalidValue, offset: header.offset, "\(header.tag) was skipped; transcoding needs every value")
            }
            convert(&value, from: header, to: level)
            if header.tag == .item {
                writer.delimiter(.item, length: UInt32(value.count))
            } else {
                writer.header(tag: header.tag, vr: header.vr, length: UInt32(value.count), explicitVR: level.explicitVR)
            }
            writer.append(value)
        case .valueStart(let header):
            streamHeader = header
            carry = []
            if header.tag == .item {
                writer.delimiter(.item, length: header.length)
            } else {
                writer.header(tag: header.tag, vr: header.vr, length: header.length, explicitVR: level.explicitVR)
            }
        case .valueChunk(let chunk):
            guard let header = streamHeader else { return [] }
            var bytes = carry + chunk
            carry = []
            if header.isBigEndian != level.bigEndian, let width = ValueDecoding.swapWidth(for: header.vr) {
                // Keep a partial number for the next chunk.
                let whole = bytes.count - bytes.count % width
                carry = Array(bytes[whole...])
                bytes.removeLast(bytes.count - whole)
                ValueDecoding.swapBytes(&bytes, width: width)
            }
            return bytes
        case .valueEnd:
            streamHeader = nil
            let rest = carry
            carry = []
            return rest
        case .sequenceStart(let header):
            // A UN sequence (or an implicit-VR one of unknown VR) carries Implicit VR LE content.
            let isUN = header.vr != .SQ
            let vr: VR = isUN ? .UN : .SQ
            writer.header(tag: header.tag, vr: vr, length: ElementHeader.undefinedLength, explicitVR: level.explicitVR)
            let inner = isUN && level.explicitVR ? Level(explicitVR: false, bigEndian: false) : level
            levels.append(inner)
        case .itemStart:
            writer.delimiter(.item, length: ElementHeader.undefinedLength)
            levels.append(level)
        case .itemEnd:
            writer.delimiter(.itemDelimitationItem, length: 0)
            if levels.count > 1 { levels.removeLast() }
        case .sequenceEnd:
            if levels.count > 1 { levels.removeLast() }
            var outer = ByteWriter(bigEndian: levels[levels.count - 1].bigEndian)
            outer.delimiter(.sequenceDelimitationItem, length: 0)
            return outer.bytes
        case .fragmentsStart(let header):
            writer.header(tag: header.tag, vr: header.vr == .UN ? .OB : header.vr, length: ElementHeader.undefinedLength, explicitVR: level.explicitVR)
            levels.append(level)
        case .fragmentsEnd:
            writer.delimiter(.sequenceDelimitationItem, length: 0)
            if levels.count > 1 { levels.removeLast() }
        }
        return writer.bytes
    }

    private func convert(_ value: inout [UInt8], from header: ElementHeader, to level: Level) {
        if header.isBigEndian != level.bigEndian, let width = ValueDecoding.swapWidth(for: header.vr) {
            ValueDecoding.swapBytes(&value, width: width)
        }
    }

    /// Reads the data set of the file at `path` and passes it, re-encoded in `target`, to
    /// `output` in pieces; memory stays bounded by `maxValueLength` and the read chunk size.
    ///
    /// Blocking file I/O: call from a thread that may block.
    /// - Returns: the source file's header (meta information and transfer syntax).
    @discardableResult
    public static func transcode(
        path: String, to target: TransferSyntax, maxValueLength: Int = 1 << 16,
        output: ([UInt8]) throws -> Void
    ) throws -> Part10Header {
        var config = DataSetParser.Configuration()
        config.maxValueLength = maxValueLength
        config.largeValues = .stream
        let reader = try DICOMFileReader(path: path, configuration: config)
        var transcoder = try DataSetTranscoder(target: target)
        var pending: [UInt8] = []
        while let event = try reader.next() {
            pending += try transcoder.encode(event)
            if pending.count >= 1 << 16 {
                try output(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { try output(pending) }
        return reader.header
    }
}
