/// One value of a result row, as received (binary format).
///
/// The bytes point into the result owned by ``PostgresRows`` and are valid only during the
/// ``PostgresDecodable/init(postgresCell:)`` call that receives them: decoders copy what they keep.
public struct PostgresCell {
    /// The column's PostgreSQL type.
    public let type: PostgresDataType
    /// The value's bytes, or nil for SQL NULL.
    public let bytes: UnsafeRawBufferPointer?

    init(type: PostgresDataType, bytes: UnsafeRawBufferPointer?) {
        self.type = type
        self.bytes = bytes
    }

    /// The bytes of a non-NULL value.
    /// - Throws: ``PostgresDecodingFailure`` when the value is NULL.
    public func nonNullBytes() throws -> UnsafeRawBufferPointer {
        guard let bytes else { throw PostgresDecodingFailure("the value is NULL") }
        return bytes
    }

    /// A type-mismatch failure for this cell.
    public func unsupported(_ swiftType: Any.Type) -> PostgresDecodingFailure {
        PostgresDecodingFailure("cannot decode \(type) as \(swiftType)")
    }
}

/// Why a cell did not decode; the row turns it into a ``PostgresError`` naming the column.
public struct PostgresDecodingFailure: Error, Sendable {
    /// A short explanation.
    public var reason: String

    /// A failure with this explanation.
    public init(_ reason: String) { self.reason = reason }
}

/// A Swift type that can be read from a result column.
public protocol PostgresDecodable {
    /// Decodes one cell.
    /// - Throws: ``PostgresDecodingFailure`` (or any error) when the cell is NULL for a
    ///   non-optional type, has an unsupported type, or has malformed bytes.
    init(postgresCell cell: PostgresCell) throws
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresCell cell: PostgresCell) throws {
        if cell.bytes == nil {
            self = .none
        } else {
            self = .some(try Wrapped(postgresCell: cell))
        }
    }
}

extension UnsafeRawBufferPointer {
    @inlinable
    func bigEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int = 0) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
