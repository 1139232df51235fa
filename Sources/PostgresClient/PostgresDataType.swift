/// A PostgreSQL type, identified by its OID.
///
/// An open set: the built-in types the wrapper encodes and decodes are static members;
/// user-defined types (enums, domains) carry their catalogue OID.
public struct PostgresDataType: Hashable, Sendable, CustomStringConvertible {
    /// The type's OID in `pg_type`.
    public var oid: UInt32

    /// The type with this OID.
    public init(oid: UInt32) { self.oid = oid }

    /// Let the server infer the type from the statement (OID 0).
    public static let unspecified = PostgresDataType(oid: 0)
    public static let bool = PostgresDataType(oid: 16)
    public static let bytea = PostgresDataType(oid: 17)
    public static let char = PostgresDataType(oid: 18)
    public static let name = PostgresDataType(oid: 19)
    public static let int8 = PostgresDataType(oid: 20)
    public static let int2 = PostgresDataType(oid: 21)
    public static let int4 = PostgresDataType(oid: 23)
    public static let text = PostgresDataType(oid: 25)
    public static let oidType = PostgresDataType(oid: 26)
    public static let json = PostgresDataType(oid: 114)
    public static let float4 = PostgresDataType(oid: 700)
    public static let float8 = PostgresDataType(oid: 701)
    public static let unknown = PostgresDataType(oid: 705)
    public static let int2Array = PostgresDataType(oid: 1005)
    public static let int4Array = PostgresDataType(oid: 1007)
    public static let textArray = PostgresDataType(oid: 1009)
    public static let varcharArray = PostgresDataType(oid: 1015)
    public static let int8Array = PostgresDataType(oid: 1016)
    public static let uuidArray = PostgresDataType(oid: 2951)
    public static let bpchar = PostgresDataType(oid: 1042)
    public static let varchar = PostgresDataType(oid: 1043)
    public static let date = PostgresDataType(oid: 1082)
    public static let timestamp = PostgresDataType(oid: 1114)
    public static let timestamptz = PostgresDataType(oid: 1184)
    public static let numeric = PostgresDataType(oid: 1700)
    public static let uuid = PostgresDataType(oid: 2950)
    public static let jsonb = PostgresDataType(oid: 3802)

    /// True for types whose binary form is their UTF-8 text (text, varchar, name, enums…).
    public var isTextual: Bool {
        switch self {
        case .text, .varchar, .bpchar, .name, .unknown, .json, .char: return true
        // User-defined types (OID ≥ 16384) include enums, whose binary form is the label.
        default: return oid >= 16384
        }
    }

    public var description: String {
        switch self {
        case .bool: "bool"
        case .bytea: "bytea"
        case .int2: "int2"
        case .int4: "int4"
        case .int8: "int8"
        case .text: "text"
        case .varchar: "varchar"
        case .float4: "float4"
        case .float8: "float8"
        case .timestamptz: "timestamptz"
        case .timestamp: "timestamp"
        case .uuid: "uuid"
        case .json: "json"
        case .jsonb: "jsonb"
        case .int8Array: "int8[]"
        case .textArray: "text[]"
        case .numeric: "numeric"
        default: "oid \(oid)"
        }
    }
}
