public import Foundation

/// A type whose Swift arrays travel as one-dimensional PostgreSQL arrays.
///
/// `[UInt8]` is the exception: it is `bytea`, not an array of bytes (``UInt8`` overrides the
/// array coding below).
public protocol PostgresArrayElement: Sendable {
    /// The array type (`int8[]`, `text[]`…), used for parameters.
    static var postgresArrayType: PostgresDataType { get }
    /// The element type written into the array header.
    static var postgresArrayElementType: PostgresDataType { get }
    /// Appends `values` as one parameter.
    static func encodeArray(_ values: [Self], into bindings: inout PostgresBindings) throws
    /// Decodes a whole array cell.
    static func decodeArray(_ cell: PostgresCell) throws -> [Self]
}

extension PostgresArrayElement where Self: PostgresEncodable & PostgresDecodable {
    public static func encodeArray(_ values: [Self], into bindings: inout PostgresBindings) throws {
        // Elements are encoded one by one into a scratch binding; the binary form of a text
        // value is its UTF-8, so the text encoders serve here without their terminator.
        var scratch = PostgresBindings()
        for value in values { try value.encode(into: &scratch) }
        try bindings.appendBinary(postgresArrayType) { out in
            out.appendBigEndian(Int32(values.isEmpty ? 0 : 1))  // dimensions
            out.appendBigEndian(Int32(scratch.offsets.contains(-1) ? 1 : 0))  // has nulls
            out.appendBigEndian(postgresArrayElementType.oid)
            if !values.isEmpty {
                out.appendBigEndian(Int32(values.count))
                out.appendBigEndian(Int32(1))  // lower bound
            }
            for i in 0..<scratch.count {
                if let bytes = scratch.value(at: i) {
                    out.appendBigEndian(Int32(bytes.count))
                    out.append(contentsOf: bytes)
                } else {
                    out.appendBigEndian(Int32(-1))
                }
            }
        }
    }

    public static func decodeArray(_ cell: PostgresCell) throws -> [Self] {
        let bytes = try cell.nonNullBytes()
        guard bytes.count >= 12 else { throw PostgresDecodingFailure("array value has \(bytes.count) bytes") }
        let dimensions = bytes.bigEndian(Int32.self, at: 0)
        let elementType = PostgresDataType(oid: bytes.bigEndian(UInt32.self, at: 8))
        if dimensions == 0 { return [] }
        guard dimensions == 1 else { throw PostgresDecodingFailure("\(dimensions)-dimensional arrays are not supported") }
        guard bytes.count >= 20 else { throw PostgresDecodingFailure("array header is truncated") }
        let count = Int(bytes.bigEndian(Int32.self, at: 12))
        // Every element takes at least its 4-byte length: cap before allocating.
        guard count >= 0, count <= (bytes.count - 20) / 4 else {
            throw PostgresDecodingFailure("array claims \(count) elements in \(bytes.count) bytes")
        }
        var result: [Self] = []
        result.reserveCapacity(count)
        var offset = 20
        for index in 0..<count {
            guard offset + 4 <= bytes.count else { throw PostgresDecodingFailure("array element \(index) is truncated") }
            let length = Int(bytes.bigEndian(Int32.self, at: offset))
            offset += 4
            if length < 0 {
                result.append(try Self(postgresCell: PostgresCell(type: elementType, bytes: nil)))
                continue
            }
            guard length <= bytes.count - offset else { throw PostgresDecodingFailure("array element \(index) is truncated") }
            let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
            do {
                result.append(try Self(postgresCell: PostgresCell(type: elementType, bytes: slice)))
            } catch let failure as PostgresDecodingFailure {
                throw PostgresDecodingFailure("element \(index): \(failure.reason)")
            }
            offset += length
        }
        return result
    }
}

extension Int64: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .int8Array }
    public static var postgresArrayElementType: PostgresDataType { .int8 }
}

extension Int: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .int8Array }
    public static var postgresArrayElementType: PostgresDataType { .int8 }
}

extension Int32: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .int4Array }
    public static var postgresArrayElementType: PostgresDataType { .int4 }
}

extension String: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .textArray }
    public static var postgresArrayElementType: PostgresDataType { .text }
}

extension UUID: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .uuidArray }
    public static var postgresArrayElementType: PostgresDataType { .uuid }
}

extension UInt8: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .bytea }
    public static var postgresArrayElementType: PostgresDataType { .bytea }

    /// `[UInt8]` is sent as `bytea`.
    public static func encodeArray(_ values: [UInt8], into bindings: inout PostgresBindings) throws {
        try bindings.appendBinary(.bytea) { $0.append(contentsOf: values) }
    }

    /// `[UInt8]` reads a `bytea` column.
    public static func decodeArray(_ cell: PostgresCell) throws -> [UInt8] {
        let bytes = try cell.nonNullBytes()
        guard cell.type == .bytea else { throw cell.unsupported([UInt8].self) }
        return [UInt8](bytes)
    }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public static var postgresType: PostgresDataType { Element.postgresArrayType }

    public func encode(into bindings: inout PostgresBindings) throws {
        try Element.encodeArray(self, into: &bindings)
    }
}

extension Array: PostgresDecodable where Element: PostgresArrayElement {
    public init(postgresCell cell: PostgresCell) throws {
        self = try Element.decodeArray(cell)
    }
}
