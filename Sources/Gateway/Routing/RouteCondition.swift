import Foundation

/// One test a route makes on a received object: a field compared by equality, a regular
/// expression (whole value), or presence.
public struct RouteCondition: Sendable, Hashable, CustomStringConvertible {
    /// What is tested: `calling_ae`, `called_ae`, `modality`, `sop_class`, or a tag by
    /// keyword (`PatientID`) or number (`0010,0020`).
    public var field: String
    /// How it is tested.
    public var test: Test

    /// How a value is tested.
    public enum Test: Sendable, Hashable {
        /// The value equals this (trailing spaces ignored).
        case equals(String)
        /// The whole value matches this regular expression.
        case regex(String)
        /// The value is present and not empty (true) or absent or empty (false).
        case present(Bool)
    }

    /// The fields that are not tags.
    public static let builtInFields = ["calling_ae", "called_ae", "modality", "sop_class"]

    /// A condition.
    /// - Throws: ``ForwardError`` `invalidArgument` for an unknown field or a bad expression.
    public init(field: String, test: Test) throws {
        self.field = field
        self.test = test
        if !Self.builtInFields.contains(field), RoutingAttributes.tag(named: field) == nil {
            throw ForwardError(.invalidArgument, "unknown field '\(field)': use \(Self.builtInFields.joined(separator: ", ")), a tag keyword or gggg,eeee")
        }
        if case .regex(let pattern) = test {
            do { _ = try NSRegularExpression(pattern: pattern) } catch {
                throw ForwardError(.invalidArgument, "'\(pattern)' is not a valid regular expression")
            }
        }
    }

    /// Whether `value` (nil when absent) passes.
    public func matches(_ value: String?) -> Bool {
        let trimmed = value.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \0")) }
        switch test {
        case .present(let wanted):
            return ((trimmed?.isEmpty ?? true) == false) == wanted
        case .equals(let expected):
            guard let trimmed else { return false }
            return trimmed == expected.trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
        case .regex(let pattern):
            guard let trimmed, let regex = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$") else { return false }
            return regex.firstMatch(in: trimmed, range: NSRange(trimmed.startIndex..., in: trimmed)) != nil
        }
    }

    public var description: String {
        switch test {
        case .equals(let v): "\(field) = '\(v)'"
        case .regex(let v): "\(field) ~ /\(v)/"
        case .present(let p): p ? "\(field) present" : "\(field) absent"
        }
    }

    /// The JSON form stored in `routes.conditions`: `{"field": ..., "equals"|"regex"|"present": ...}`.
    var json: [String: Any] {
        switch test {
        case .equals(let v): ["field": field, "equals": v]
        case .regex(let v): ["field": field, "regex": v]
        case .present(let p): ["field": field, "present": p]
        }
    }

    /// Parses the JSON form.
    init(json: [String: Any]) throws {
        guard let field = json["field"] as? String else { throw ForwardError(.invalidArgument, "condition without a field") }
        if let v = json["equals"] as? String {
            try self.init(field: field, test: .equals(v))
        } else if let v = json["regex"] as? String {
            try self.init(field: field, test: .regex(v))
        } else if let v = json["present"] as? Bool {
            try self.init(field: field, test: .present(v))
        } else {
            throw ForwardError(.invalidArgument, "condition on \(field) has no equals, regex or present")
        }
    }

    /// Parses the CLI form `FIELD=VALUE`, `FIELD~REGEX`, `FIELD?` (present) or `FIELD!` (absent).
    /// - Throws: ``ForwardError`` `invalidArgument`.
    public init(parsing text: String) throws {
        if text.hasSuffix("?") || text.hasSuffix("!") {
            try self.init(field: String(text.dropLast()), test: .present(text.hasSuffix("?")))
        } else if let i = text.firstIndex(where: { $0 == "=" || $0 == "~" }) {
            let field = String(text[..<i])
            let value = String(text[text.index(after: i)...])
            try self.init(field: field, test: text[i] == "=" ? .equals(value) : .regex(value))
        } else {
            throw ForwardError(.invalidArgument, "'\(text)' is not FIELD=VALUE, FIELD~REGEX, FIELD? or FIELD!")
        }
    }
}
