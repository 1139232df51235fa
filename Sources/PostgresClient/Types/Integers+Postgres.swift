// Integers travel in binary (big-endian two's complement). Decoding accepts any integer
// column that fits: an int4 column reads as Int64, an int8 as Int32 only if in range.

extension PostgresCell {
    func decodeInteger<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let bytes = try nonNullBytes()
        let wide: Int64
        switch (type, bytes.count) {
        case (.int2, 2): wide = Int64(bytes.bigEndian(Int16.self))
        case (.int4, 4), (.oidType, 4): wide = type == .oidType ? Int64(bytes.bigEndian(UInt32.self)) : Int64(bytes.bigEndian(Int32.self))
        case (.int8, 8): wide = bytes.bigEndian(Int64.self)
        case (.int2, _), (.int4, _), (.int8, _), (.oidType, _):
            throw PostgresDecodingFailure("\(type) value has \(bytes.count) bytes")
        default: throw unsupported(T.self)
        }
        guard let value = T(exactly: wide) else {
            throw PostgresDecodingFailure("value \(wide) does not fit in \(T.self)")
        }
        return value
    }
}

extension Int16: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .int2 }
    public func encode(into bindings: inout PostgresBindings) throws {
        try bindings.appendBinary(.int2) { $0.appendBigEndian(self) }
    }
    public init(postgresCell cell: PostgresCell) throws { self = try cell.decodeInteger(Int16.self) }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .int4 }
    public func encode(into bindings: inout PostgresBindings) throws {
        try bindings.appendBinary(.int4) { $0.appendBigEndian(self) }
    }
    public init(postgresCell cell: PostgresCell) throws { self = try cell.decodeInteger(Int32.self) }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .int8 }
    public func encode(into bindings: inout PostgresBindings) throws {
        try bindings.appendBinary(.int8) { $0.appendBigEndian(self) }
    }
    public init(postgresCell cell: PostgresCell) throws { self = try cell.decodeInteger(Int64.self) }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .int8 }
    public func encode(into bindings: inout PostgresBindings) throws {
        try bindings.appendBinary(.int8) { $0.appendBigEndian(Int64(self)) }
    }
    public init(postgresCell cell: PostgresCell) throws { self = try cell.decodeInteger(Int.self) }
}
