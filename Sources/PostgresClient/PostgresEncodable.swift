/// A Swift value that can be sent as a statement parameter.
///
/// Conforming types append exactly one value (or NULL) to the bindings.
public protocol PostgresEncodable: Sendable {
    /// The PostgreSQL type this Swift type is sent as (also used for its NULL).
    static var postgresType: PostgresDataType { get }

    /// Appends this value to `bindings`.
    /// - Throws: ``PostgresError`` with ``PostgresError/Code/invalidParameter`` when the value
    ///   cannot be represented.
    func encode(into bindings: inout PostgresBindings) throws
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresType: PostgresDataType { Wrapped.postgresType }

    public func encode(into bindings: inout PostgresBindings) throws {
        switch self {
        case .none: bindings.appendNull(Wrapped.postgresType)
        case .some(let value): try value.encode(into: &bindings)
        }
    }
}

extension [UInt8] {
    @inlinable
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
