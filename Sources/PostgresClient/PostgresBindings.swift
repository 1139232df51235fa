/// The encoded parameters of one statement, in one contiguous buffer.
///
/// Encoders append to it; the connection hands pointers into ``bytes`` to libpq without
/// further copies. Text-format values are NUL-terminated because libpq reads them as C
/// strings (it ignores their lengths).
public struct PostgresBindings: Sendable {
    /// The wire format of one value.
    public enum Format: Int32, Sendable {
        case text = 0
        case binary = 1
    }

    var bytes: [UInt8] = []
    var offsets: [Int] = []  // -1 for NULL
    var lengths: [Int32] = []
    var types: [UInt32] = []
    var formats: [Int32] = []

    /// An empty set of bindings.
    public init() {}

    /// The number of values bound.
    public var count: Int { offsets.count }

    /// Binds SQL NULL of the given type.
    public mutating func appendNull(_ type: PostgresDataType) {
        offsets.append(-1)
        lengths.append(0)
        types.append(type.oid)
        formats.append(Format.binary.rawValue)
    }

    /// Binds a binary-format value written by `write`.
    public mutating func appendBinary(
        _ type: PostgresDataType,
        _ write: (inout [UInt8]) throws -> Void
    ) throws {
        let start = bytes.count
        try write(&bytes)
        let length = bytes.count - start
        guard length <= Int(Int32.max) else {
            bytes.removeSubrange(start...)
            throw PostgresError(code: .invalidParameter, message: "parameter of \(length) bytes is too large")
        }
        offsets.append(start)
        lengths.append(Int32(length))
        types.append(type.oid)
        formats.append(Format.binary.rawValue)
    }

    /// Binds a text-format value. PostgreSQL text cannot hold NUL, so such a string is refused.
    public mutating func appendText(_ type: PostgresDataType, _ string: String) throws {
        let start = bytes.count
        var hasNUL = false
        bytes.append(contentsOf: string.utf8)
        for i in start..<bytes.count where bytes[i] == 0 {
            hasNUL = true
            break
        }
        if hasNUL {
            bytes.removeSubrange(start...)
            throw PostgresError(code: .invalidParameter, message: "a string parameter contains a NUL character")
        }
        let length = bytes.count - start
        guard length <= Int(Int32.max) else {
            bytes.removeSubrange(start...)
            throw PostgresError(code: .invalidParameter, message: "parameter of \(length) bytes is too large")
        }
        bytes.append(0)
        offsets.append(start)
        lengths.append(Int32(length))
        types.append(type.oid)
        formats.append(Format.text.rawValue)
    }

    /// Binds every value in order.
    public mutating func append(contentsOf values: [any PostgresEncodable]) throws {
        for value in values { try value.encode(into: &self) }
    }

    /// Calls `body` with the C views libpq wants: values, lengths, formats, types.
    /// The pointers are valid only during the call.
    func withCArrays<R>(
        _ body: (
            _ values: UnsafePointer<UnsafePointer<CChar>?>?,
            _ lengths: UnsafePointer<Int32>?,
            _ formats: UnsafePointer<Int32>?,
            _ types: UnsafePointer<UInt32>?
        ) throws -> R
    ) rethrows -> R {
        if offsets.isEmpty { return try body(nil, nil, nil, nil) }
        // An empty buffer has no base address; a one-byte stand-in gives empty values a
        // valid non-NULL pointer (libpq reads zero bytes from it).
        let storage = bytes.isEmpty ? [0] : bytes
        return try storage.withUnsafeBytes { raw in
            var pointers = [UnsafePointer<CChar>?](repeating: nil, count: offsets.count)
            if let base = raw.baseAddress {
                for i in offsets.indices where offsets[i] >= 0 {
                    pointers[i] = (base + offsets[i]).assumingMemoryBound(to: CChar.self)
                }
            }
            return try pointers.withUnsafeBufferPointer { p in
                try lengths.withUnsafeBufferPointer { l in
                    try formats.withUnsafeBufferPointer { f in
                        try types.withUnsafeBufferPointer { t in
                            try body(p.baseAddress, l.baseAddress, f.baseAddress, t.baseAddress)
                        }
                    }
                }
            }
        }
    }

    /// The raw bytes of value `i` without any terminator; nil for NULL.
    func value(at i: Int) -> ArraySlice<UInt8>? {
        let start = offsets[i]
        if start < 0 { return nil }
        return bytes[start..<(start + Int(lengths[i]))]
    }
}
