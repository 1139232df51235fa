/// What a `DataSetParser` found next in its input.
///
/// Sequences, items and encapsulated pixel data open and close with start and end events, so
/// a consumer can rebuild the tree, transcode it, or just pick out top-level values.
public enum DataSetEvent: Sendable {
    /// A complete element (or encapsulated fragment, tag `Tag.item`). `value` holds its bytes
    /// as encoded (not byte-swapped), or nil when the value was longer than the parser's
    /// `maxValueLength` and was skipped.
    case element(ElementHeader, value: [UInt8]?)
    /// A value longer than `maxValueLength` whose bytes follow as `valueChunk`s, then `valueEnd`
    /// (only with `LargeValuePolicy.stream`).
    case valueStart(ElementHeader)
    /// Part of the value announced by the last `valueStart`.
    case valueChunk([UInt8])
    /// The end of the value announced by the last `valueStart`.
    case valueEnd
    /// A sequence starts (VR SQ, an undefined-length implicit element, or a UN element holding
    /// a sequence, whose content is then Implicit VR Little Endian).
    case sequenceStart(ElementHeader)
    /// An item starts in the current sequence.
    case itemStart(ElementHeader)
    /// The current item ends (after its delimitation item when its length was undefined).
    case itemEnd
    /// The current sequence ends (after its delimitation item when its length was undefined).
    case sequenceEnd
    /// Encapsulated pixel data starts; its fragments follow as elements with tag `Tag.item`.
    case fragmentsStart(ElementHeader)
    /// Encapsulated pixel data ends (after its sequence delimitation item).
    case fragmentsEnd
}

/// What a `DataSetParser` does with values longer than its `maxValueLength`.
public enum LargeValuePolicy: Sendable {
    /// Skip the bytes; report the element with a nil value.
    case skip
    /// Deliver the bytes in chunks (`valueStart`, `valueChunk`…, `valueEnd`).
    case stream
}
