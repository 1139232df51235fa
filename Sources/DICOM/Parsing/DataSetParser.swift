/// An incremental, push-fed parser for an encoded data set.
///
/// Feed bytes as they arrive (`append`), call `finish()` at the end of the input, and pull
/// `DataSetEvent`s with `next()` until it returns nil (more input needed, or `isComplete`).
/// Memory is bounded by `maxValueLength` plus the largest chunk appended: longer values are
/// skipped or streamed, never buffered whole, so object size does not matter.
///
/// Every length is checked before use: values longer than their container, undefined lengths
/// where they cannot be, nesting deeper than `maxDepth` and truncated input raise a
/// `DICOMError` with the byte offset. Not thread-safe; use it from one task at a time.
public final class DataSetParser {
    /// Limits and behaviour.
    public struct Configuration: Sendable {
        /// Values up to this length are delivered whole in `.element`; longer ones follow
        /// `largeValues`.
        public var maxValueLength: Int = 1 << 20
        /// What to do with values longer than `maxValueLength`.
        public var largeValues: LargeValuePolicy = .skip
        /// Largest `valueChunk` delivered when streaming.
        public var maxChunkLength: Int = 1 << 16
        /// Deepest sequence nesting accepted.
        public var maxDepth: Int = 32
        /// Stop, without consuming it, before the first top-level element whose tag is at
        /// least this one (e.g. `Tag.pixelData` to read only the header).
        public var stopBefore: Tag?
        /// Offset of the first input byte, used in headers and errors (e.g. the file offset
        /// of the data set).
        public var baseOffset: Int64 = 0

        /// The default configuration.
        public init() {}
    }

    private struct Frame {
        enum Kind { case sequence, item, fragments }
        var kind: Kind
        var end: Int64?
        var explicitVR: Bool
        var bigEndian: Bool
    }

    private enum Pending {
        case none
        case skip(remaining: Int64, header: ElementHeader)
        case stream(remaining: Int64, header: ElementHeader)
    }

    private enum Step {
        case event(DataSetEvent)
        case again
        case needInput
        case done
    }

    /// The transfer syntax the data set is encoded in.
    public let transferSyntax: TransferSyntax
    /// The limits in force.
    public let configuration: Configuration

    private var buffer: [UInt8] = []
    private var start = 0
    private var inflater: Inflater?
    private var inputEnded = false
    private var stack: [Frame] = []
    private var pending: Pending = .none
    private var sequenceDepth = 0

    /// Stream offset of the next unconsumed byte.
    public private(set) var position: Int64
    /// Whether the data set has been read to its end, or to `stopBefore`.
    public private(set) var isComplete = false
    /// The tag parsing stopped before, when `stopBefore` ended it.
    public private(set) var stoppedBefore: Tag?

    /// Creates a parser for a data set in `transferSyntax`.
    ///
    /// - Throws: `DICOMError` with code `.deflate` if zlib cannot be initialised.
    public init(transferSyntax: TransferSyntax, configuration: Configuration = Configuration()) throws(DICOMError) {
        self.transferSyntax = transferSyntax
        self.configuration = configuration
        self.position = configuration.baseOffset
        if transferSyntax.isDeflated {
            inflater = try Inflater()
        }
    }

    /// Bytes buffered and not yet parsed (excluding compressed input not yet inflated).
    public var bufferedByteCount: Int { buffer.count - start }

    /// Depth of the current position: 0 at top level, +1 inside each sequence's item.
    public var depth: Int { sequenceDepth }

    /// Adds input bytes.
    public func append(_ bytes: UnsafeRawBufferPointer) {
        if let inflater {
            inflater.append(bytes)
            return
        }
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Adds input bytes.
    public func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Adds input bytes.
    public func append(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Bytes of a skipped value that are still to come and need not be appended: a reader
    /// of a seekable source may jump over them and call `skipInput(_:)` instead.
    /// Always 0 for deflated data (every byte must go through the inflater).
    public var skippableInputCount: Int64 {
        guard inflater == nil, case .skip(let remaining, _) = pending else { return 0 }
        return max(0, remaining - Int64(bufferedByteCount))
    }

    /// Accounts for `count` input bytes the caller skipped without appending them (at most
    /// `skippableInputCount`, after the buffered bytes have been consumed).
    public func skipInput(_ count: Int64) {
        guard count > 0, case .skip(let remaining, let header) = pending, bufferedByteCount == 0 else { return }
        let n = min(count, remaining)
        position += n
        pending = .skip(remaining: remaining - n, header: header)
    }

    /// Marks the end of the input.
    public func finish() {
        inputEnded = true
    }

    /// The next event, or nil when more input is needed or the data set is complete.
    ///
    /// - Throws: `DICOMError` for malformed or truncated input; the parser is then unusable.
    public func next() throws(DICOMError) -> DataSetEvent? {
        while true {
            switch try step() {
            case .event(let event): return event
            case .again: continue
            case .needInput, .done: return nil
            }
        }
    }

    // MARK: Steps

    private func step() throws(DICOMError) -> Step {
        if isComplete { return .done }
        switch pending {
        case .none:
            break
        case .skip(let remaining, let header):
            if remaining > 0 {
                try fill(1)
                let n = min(Int64(bufferedByteCount), remaining)
                if n == 0 { return try starved(header) }
                consume(Int(n))
                pending = .skip(remaining: remaining - n, header: header)
                return .again
            }
            pending = .none
        case .stream(let remaining, let header):
            if remaining > 0 {
                try fill(1)
                let n = Int(min(Int64(min(bufferedByteCount, configuration.maxChunkLength)), remaining))
                if n == 0 { return try starved(header) }
                let chunk = Array(buffer[start..<start + n])
                consume(n)
                pending = .stream(remaining: remaining - Int64(n), header: header)
                return .event(.valueChunk(chunk))
            }
            pending = .none
            return .event(.valueEnd)
        }

        if let top = stack.last, let end = top.end {
            if position == end {
                stack.removeLast()
                switch top.kind {
                case .sequence:
                    sequenceDepth -= 1
                    return .event(.sequenceEnd)
                case .item: return .event(.itemEnd)
                case .fragments: return .event(.fragmentsEnd)
                }
            }
            if position > end {
                throw DICOMError(.invalidLength, offset: position, "element runs past the end of its sequence or item at \(end)")
            }
        }

        try fill(4)
        if bufferedByteCount == 0 && inputEnded {
            if stack.isEmpty {
                isComplete = true
                return .done
            }
            throw DICOMError(.truncated, offset: position, "input ends inside a sequence or item")
        }
        guard bufferedByteCount >= 4 else { return try starved(nil) }

        let explicitVR = stack.last?.explicitVR ?? transferSyntax.isExplicitVR
        let bigEndian = stack.last?.bigEndian ?? transferSyntax.isBigEndian
        let tag = Tag(group: read16(0, bigEndian), element: read16(2, bigEndian))
        if tag.isDelimiter {
            return try delimiter(tag, explicitVR: explicitVR, bigEndian: bigEndian)
        }
        if stack.last?.kind == .sequence || stack.last?.kind == .fragments {
            throw DICOMError(.unexpectedTag, offset: position, "\(tag) found where an item was expected")
        }
        if stack.isEmpty, let stop = configuration.stopBefore, tag >= stop {
            stoppedBefore = tag
            isComplete = true
            return .done
        }
        return try element(tag, explicitVR: explicitVR, bigEndian: bigEndian)
    }

    private func delimiter(_ tag: Tag, explicitVR: Bool, bigEndian: Bool) throws(DICOMError) -> Step {
        try fill(8)
        guard bufferedByteCount >= 8 else { return try starved(nil) }
        let length = read32(4, bigEndian)
        let header = ElementHeader(
            tag: tag, vr: .UN, length: length, offset: position, headerLength: 8,
            isExplicitVR: explicitVR, isBigEndian: bigEndian)
        let kind = stack.last?.kind
        switch (tag, kind) {
        case (.item, .sequence?):
            var end: Int64?
            if !header.isUndefinedLength {
                let itemEnd = position + 8 + Int64(length)
                try checkFits(end: itemEnd, header: header)
                end = itemEnd
            }
            consume(8)
            stack.append(Frame(kind: .item, end: end, explicitVR: explicitVR, bigEndian: bigEndian))
            return .event(.itemStart(header))
        case (.item, .fragments?):
            guard !header.isUndefinedLength else {
                throw DICOMError(.invalidLength, offset: position, "encapsulated fragment with undefined length")
            }
            var fragment = header
            fragment.vr = .OB
            return try value(fragment)
        case (.sequenceDelimitationItem, .sequence?) where stack.last?.end == nil:
            consume(8)
            stack.removeLast()
            sequenceDepth -= 1
            return .event(.sequenceEnd)
        case (.sequenceDelimitationItem, .fragments?):
            consume(8)
            stack.removeLast()
            return .event(.fragmentsEnd)
        case (.itemDelimitationItem, .item?) where stack.last?.end == nil:
            consume(8)
            stack.removeLast()
            return .event(.itemEnd)
        default:
            throw DICOMError(.unexpectedTag, offset: position, "\(tag) is not expected here")
        }
    }

    private func element(_ tag: Tag, explicitVR: Bool, bigEndian: Bool) throws(DICOMError) -> Step {
        try fill(8)
        guard bufferedByteCount >= 8 else { return try starved(nil) }
        var vr: VR
        var length: UInt32
        var headerLength = 8
        if explicitVR {
            vr = VR(buffer[start + 4], buffer[start + 5])
            if vr.hasLongLength {
                try fill(12)
                guard bufferedByteCount >= 12 else { return try starved(nil) }
                length = read32(8, bigEndian)
                headerLength = 12
            } else {
                length = UInt32(read16(6, bigEndian))
            }
        } else {
            vr = DataDictionary.implicitVR(for: tag)
            length = read32(4, bigEndian)
        }
        let header = ElementHeader(
            tag: tag, vr: vr, length: length, offset: position, headerLength: headerLength,
            isExplicitVR: explicitVR, isBigEndian: bigEndian)

        if header.isUndefinedLength {
            let isFragments = tag == .pixelData && (vr == .OB || vr == .OW || vr == .UN && !explicitVR)
            if isFragments {
                consume(headerLength)
                stack.append(Frame(kind: .fragments, end: nil, explicitVR: explicitVR, bigEndian: bigEndian))
                return .event(.fragmentsStart(header))
            }
            if vr == .SQ || vr == .UN || !explicitVR {
                // A UN element of undefined length holds a sequence in Implicit VR Little
                // Endian (PS3.5 §6.2.2, CP-246), as does any undefined-length implicit element.
                let innerExplicit = vr == .SQ ? explicitVR : false
                let innerBig = vr == .SQ ? bigEndian : false
                return try openSequence(header, end: nil, explicitVR: innerExplicit, bigEndian: innerBig)
            }
            throw DICOMError(.invalidVR, offset: position, "\(tag) has VR \(vr) with undefined length")
        }

        let end = position + Int64(headerLength) + Int64(length)
        try checkFits(end: end, header: header)
        if vr == .SQ {
            return try openSequence(header, end: end, explicitVR: explicitVR, bigEndian: bigEndian)
        }
        return try value(header)
    }

    private func openSequence(_ header: ElementHeader, end: Int64?, explicitVR: Bool, bigEndian: Bool) throws(DICOMError) -> Step {
        guard sequenceDepth < configuration.maxDepth else {
            throw DICOMError(.nestingTooDeep, offset: position, "sequences nested deeper than \(configuration.maxDepth)")
        }
        consume(header.headerLength)
        sequenceDepth += 1
        stack.append(Frame(kind: .sequence, end: end, explicitVR: explicitVR, bigEndian: bigEndian))
        return .event(.sequenceStart(header))
    }

    private func value(_ header: ElementHeader) throws(DICOMError) -> Step {
        let length = Int(header.length)
        if length <= configuration.maxValueLength {
            let total = header.headerLength + length
            try fill(total)
            guard bufferedByteCount >= total else { return try starved(header) }
            let valueStart = start + header.headerLength
            let value = Array(buffer[valueStart..<valueStart + length])
            consume(total)
            return .event(.element(header, value: value))
        }
        consume(header.headerLength)
        switch configuration.largeValues {
        case .skip:
            pending = .skip(remaining: Int64(length), header: header)
            return .event(.element(header, value: nil))
        case .stream:
            pending = .stream(remaining: Int64(length), header: header)
            return .event(.valueStart(header))
        }
    }

    // MARK: Buffer

    private func checkFits(end: Int64, header: ElementHeader) throws(DICOMError) {
        for frame in stack.reversed() {
            if let frameEnd = frame.end {
                if end > frameEnd {
                    throw DICOMError(
                        .invalidLength, offset: header.offset,
                        "\(header.tag) with length \(header.length) runs past the end of its container at \(frameEnd)")
                }
                return
            }
        }
    }

    /// More input is needed: an error if there will be none.
    private func starved(_ header: ElementHeader?) throws(DICOMError) -> Step {
        if inputEnded {
            if let header {
                throw DICOMError(.truncated, offset: header.offset, "input ends inside \(header.tag) (length \(header.length))")
            }
            throw DICOMError(.truncated, offset: position, "input ends inside an element header")
        }
        return .needInput
    }

    /// Makes at least `count` bytes available if the input allows (inflating as needed).
    private func fill(_ count: Int) throws(DICOMError) {
        guard let inflater, bufferedByteCount < count else { return }
        compact()
        while bufferedByteCount < count {
            let want = max(count - bufferedByteCount, 1 << 16)
            let produced = try inflater.inflate(into: &buffer, limit: want, streamOffset: position + Int64(bufferedByteCount))
            if produced == 0 { break }
        }
    }

    private func consume(_ count: Int) {
        start += count
        position += Int64(count)
    }

    private func compact() {
        if start > 0 && (start == buffer.count || start >= 1 << 16 && start >= buffer.count / 2) {
            buffer.removeFirst(start)
            start = 0
        }
    }

    private func read16(_ at: Int, _ bigEndian: Bool) -> UInt16 {
        let a = UInt16(buffer[start + at])
        let b = UInt16(buffer[start + at + 1])
        return bigEndian ? a << 8 | b : b << 8 | a
    }

    private func read32(_ at: Int, _ bigEndian: Bool) -> UInt32 {
        let a = UInt32(buffer[start + at])
        let b = UInt32(buffer[start + at + 1])
        let c = UInt32(buffer[start + at + 2])
        let d = UInt32(buffer[start + at + 3])
        return bigEndian ? a << 24 | b << 16 | c << 8 | d : d << 24 | c << 16 | b << 8 | a
    }
}
