import Foundation

/// One entry of the audit log, as recorded (before sealing).
///
/// Action names are dot-separated, subsystem first (`user.login`, `destination.update`,
/// `association.rejected`); see ``AuditAction`` for the ones in use.
public struct AuditEvent: Sendable, Equatable {
    /// Who did it.
    public struct Actor: Sendable, Equatable {
        /// `user`, `system` or `remote_ae` (the `actor_type` column).
        public var type: String
        /// A username, a subsystem name, or a calling AE title.
        public var name: String
        /// The peer's IP address, when there is one.
        public var address: String?

        /// A logged-in user (or the CLI acting as one).
        public static func user(_ name: String, address: String? = nil) -> Actor {
            Actor(type: "user", name: name, address: address)
        }

        /// The gateway itself (a subsystem such as `receiver`, `worker`, `retention`).
        public static func system(_ name: String) -> Actor { Actor(type: "system", name: name, address: nil) }

        /// A remote application entity, with the address it connected from.
        public static func remoteAE(_ aeTitle: String, address: String?) -> Actor {
            Actor(type: "remote_ae", name: aeTitle, address: address)
        }
    }

    /// Whether the action succeeded (`success`, `failure`, `warning`).
    public struct Outcome: Hashable, Sendable {
        /// The stored value.
        public let rawValue: String
        /// The action did what was asked.
        public static let success = Outcome(rawValue: "success")
        /// The action was refused or failed.
        public static let failure = Outcome(rawValue: "failure")
        /// The action completed with a caveat (a duplicate object, say).
        public static let warning = Outcome(rawValue: "warning")
    }

    /// Who did it.
    public var actor: Actor
    /// What was done.
    public var action: String
    /// The kind of object acted on (`user`, `destination`, `study`, …).
    public var objectType: String?
    /// The object's id or natural key.
    public var objectID: String?
    /// The result.
    public var outcome: Outcome
    /// Anything else worth keeping, as a JSON object of strings, numbers and booleans.
    /// Never passwords, tokens, or patient data.
    public var details: [String: AuditValue]

    /// Creates an event.
    public init(
        actor: Actor,
        action: String,
        objectType: String? = nil,
        objectID: String? = nil,
        outcome: Outcome = .success,
        details: [String: AuditValue] = [:]
    ) {
        self.actor = actor
        self.action = action
        self.objectType = objectType
        self.objectID = objectID
        self.outcome = outcome
        self.details = details
    }

    /// `details` as JSON text for the `jsonb` column.
    func detailsJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(details), as: UTF8.self)
    }
}

/// A scalar value in an audit event's details.
public enum AuditValue: Sendable, Equatable, Codable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral
{
    case string(String)
    case int(Int64)
    case bool(Bool)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        }
    }
}
