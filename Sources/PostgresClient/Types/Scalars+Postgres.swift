import Foundation

// Bool, floating point and strings.

extension Bool: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .bool }
    public func encode(into bindings: inout PostgresBindings) throws {
        try bindings.appendBinary(.bool) { $0.append(self ? 1 : 0) }
    }
    public init(postgresCell cell: PostgresCell) throws {
        let bytes = try cell.nonNullBytes()
        guard cell.type == .bool else { throw cell.unsupported(Bool.self) }
        guard bytes.count == 1 else { throw PostgresDecodingFailure("bool value has \(bytes.count) bytes") }
        self = bytes[0] != 0
    }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .float8 }
    public func encode(into bindings: inout PostgresBindings) throws {
        try bindings.appendBinary(.float8) { $0.appendBigEndian(self.bitPattern) }
    }
    public init(postgresCell cell: PostgresCell) throws {
        let bytes = try cell.nonNullBytes()
        switch (cell.type, bytes.count) {
        case (.float8, 8): self = Double(bitPattern: bytes.bigEndian(UInt64.self))
        case (.float4, 4): self = Double(Float(bitPattern: bytes.bigEndian(UInt32.self)))
        case (.int2, _), (.int4, _), (.int8, _): self = Double(try cell.decodeInteger(Int64.self))
        case (.numeric, _): self = try PostgresNumeric.double(from: bytes)
        case (.float8, _), (.float4, _): throw PostgresDecodingFailure("\(cell.type) value has \(bytes.count) bytes")
        default: throw cell.unsupported(Double.self)
        }
    }
}

extension Float: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .float4 }
    public func encode(into bindings: inout PostgresBindings) throws {
        try bindings.appendBinary(.float4) { $0.appendBigEndian(self.bitPattern) }
    }
    public init(postgresCell cell: PostgresCell) throws {
        let bytes = try cell.nonNullBytes()
        switch (cell.type, bytes.count) {
        case (.float4, 4): self = Float(bitPattern: bytes.bigEndian(UInt32.self))
        case (.float8, 8): self = Float(Double(bitPattern: bytes.bigEndian(UInt64.self)))
        default: throw cell.unsupported(Float.self)
        }
    }
}

extension String: PostgresEncodable, PostgresDecodable {
    // Sent as text with an unspecified type so the server infers it from context, exactly as
    // for a quoted literal: a String binds to text, varchar, enum or json columns alike.
    public static var postgresType: PostgresDataType { .unspecified }
    public func encode(into bindings: inout PostgresBindings) throws {
        try bindings.appendText(.unspecified, self)
    }
    public init(postgresCell cell: PostgresCell) throws {
        let bytes = try cell.nonNullBytes()
        switch cell.type {
        case .jsonb:
            // jsonb's binary form is a version byte (1) then the text.
            guard bytes.count >= 1, bytes[0] == 1 else { throw PostgresDecodingFailure("unknown jsonb version") }
            self = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[1...]), as: UTF8.self)
        case .numeric:
            self = try PostgresNumeric.string(from: bytes)
        case .uuid:
            self = try UUIDBytes.uuid(from: bytes).uuidString.lowercased()
        default:
            guard cell.type.isTextual else { throw cell.unsupported(String.self) }
            self = String(decoding: bytes, as: UTF8.self)
        }
    }
}
