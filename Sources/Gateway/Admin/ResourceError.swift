/// A refused change to a stored resource (user, token, destination, route): the admin API
/// answers it as 404, 409 or 422, the CLI prints its message.
public struct ResourceError: Error, Sendable, CustomStringConvertible {
    /// What kind of refusal.
    public struct Code: Hashable, Sendable {
        let rawValue: String
        /// The object does not exist.
        public static let notFound = Code(rawValue: "not_found")
        /// The change conflicts with existing state.
        public static let conflict = Code(rawValue: "conflict")
        /// A field is invalid.
        public static let invalid = Code(rawValue: "invalid")
    }

    /// The kind.
    public var code: Code
    /// For ``Code/invalid``: the field at fault.
    public var field: String?
    /// For people.
    public var message: String

    /// A missing object.
    public static func notFound(_ what: String) -> ResourceError {
        ResourceError(code: .notFound, field: nil, message: "\(what) not found")
    }
    /// A conflicting change.
    public static func conflict(_ message: String) -> ResourceError {
        ResourceError(code: .conflict, field: nil, message: message)
    }
    /// An invalid field.
    public static func invalid(_ field: String, _ message: String) -> ResourceError {
        ResourceError(code: .invalid, field: field, message: message)
    }

    public var description: String { field.map { "\($0): \(message)" } ?? message }
}
