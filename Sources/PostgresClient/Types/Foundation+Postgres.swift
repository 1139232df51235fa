public import Foundation

// Date is sent as timestamptz: microseconds since 2000-01-01 00:00 UTC. Infinity decodes to
// Date.distantFuture / distantPast. Sub-microsecond parts are rounded away.
private let secondsFrom2001To2000: Double = -31_622_400

extension Date: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .timestamptz }

    public func encode(into bindings: inout PostgresBindings) throws {
        let seconds = timeIntervalSinceReferenceDate - secondsFrom2001To2000
        let micros = (seconds * 1_000_000).rounded()
        guard let value = Int64(exactly: micros), value != .max, value != .min else {
            throw PostgresError(code: .invalidParameter, message: "date \(self) is outside timestamptz range")
        }
        try bindings.appendBinary(.timestamptz) { $0.appendBigEndian(value) }
    }

    public init(postgresCell cell: PostgresCell) throws {
        let bytes = try cell.nonNullBytes()
        guard cell.type == .timestamptz || cell.type == .timestamp else { throw cell.unsupported(Date.self) }
        guard bytes.count == 8 else { throw PostgresDecodingFailure("timestamp value has \(bytes.count) bytes") }
        let micros = bytes.bigEndian(Int64.self)
        switch micros {
        case .max: self = .distantFuture
        case .min: self = .distantPast
        default:
            // Whole seconds and the microsecond remainder apart keep full precision.
            let (whole, rest) = micros.quotientAndRemainder(dividingBy: 1_000_000)
            self = Date(
                timeIntervalSinceReferenceDate: Double(whole) + secondsFrom2001To2000 + Double(rest) / 1_000_000)
        }
    }
}

enum UUIDBytes {
    static func uuid(from bytes: UnsafeRawBufferPointer) throws -> UUID {
        guard bytes.count == 16 else { throw PostgresDecodingFailure("uuid value has \(bytes.count) bytes") }
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: bytes) }
        return UUID(uuid: raw)
    }
}

extension UUID: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .uuid }

    public func encode(into bindings: inout PostgresBindings) throws {
        try bindings.appendBinary(.uuid) { out in withUnsafeBytes(of: self.uuid) { out.append(contentsOf: $0) } }
    }

    public init(postgresCell cell: PostgresCell) throws {
        let bytes = try cell.nonNullBytes()
        switch cell.type {
        case .uuid: self = try UUIDBytes.uuid(from: bytes)
        case let t where t.isTextual:
            guard let uuid = UUID(uuidString: String(decoding: bytes, as: UTF8.self)) else {
                throw PostgresDecodingFailure("text is not a UUID")
            }
            self = uuid
        default: throw cell.unsupported(UUID.self)
        }
    }
}

extension Data: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .bytea }

    public func encode(into bindings: inout PostgresBindings) throws {
        try bindings.appendBinary(.bytea) { $0.append(contentsOf: self) }
    }

    public init(postgresCell cell: PostgresCell) throws {
        let bytes = try cell.nonNullBytes()
        guard cell.type == .bytea else { throw cell.unsupported(Data.self) }
        self = Data(bytes)
    }
}
