import Foundation

/// A Codable value stored as `jsonb` (decoded from `json` too).
///
/// ```swift
/// try await pool.execute("INSERT INTO t(doc) VALUES ($1)", [PostgresJSON(settings)])
/// let settings = try row.decode(PostgresJSON<Settings>.self, column: "doc").value
/// ```
public struct PostgresJSON<Value: Codable & Sendable>: Sendable, PostgresEncodable, PostgresDecodable {
    /// The wrapped value.
    public var value: Value

    /// Wraps `value`.
    public init(_ value: Value) { self.value = value }

    public static var postgresType: PostgresDataType { .jsonb }

    public func encode(into bindings: inout PostgresBindings) throws {
        let data: Data
        do {
            data = try JSONEncoder().encode(value)
        } catch {
            throw PostgresError(code: .invalidParameter, message: "JSON encoding failed: \(error)")
        }
        // jsonb binary format: version 1, then the JSON text.
        try bindings.appendBinary(.jsonb) { out in
            out.append(1)
            out.append(contentsOf: data)
        }
    }

    public init(postgresCell cell: PostgresCell) throws {
        let bytes = try cell.nonNullBytes()
        let text: UnsafeRawBufferPointer
        switch cell.type {
        case .jsonb:
            guard bytes.count >= 1, bytes[0] == 1 else { throw PostgresDecodingFailure("unknown jsonb version") }
            text = UnsafeRawBufferPointer(rebasing: bytes[1...])
        case .json, .text, .varchar: text = bytes
        default: throw cell.unsupported(Value.self)
        }
        do {
            value = try JSONDecoder().decode(Value.self, from: Data(text))
        } catch {
            throw PostgresDecodingFailure("JSON does not decode as \(Value.self): \(error)")
        }
    }
}
