/// What an operator account may do on the admin API and console.
///
/// Roles are ordered: each includes everything the ones below it may do. A viewer reads;
/// an operator also acts on jobs and destinations; an admin also manages users, routes
/// and TLS material.
public struct Role: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The name stored in `users.role` and shown in the API.
    public let name: String
    private let rank: Int

    private init(name: String, rank: Int) {
        self.name = name
        self.rank = rank
    }

    /// Reads everything, changes nothing.
    public static let viewer = Role(name: "viewer", rank: 0)
    /// Acts on jobs and destinations.
    public static let `operator` = Role(name: "operator", rank: 1)
    /// Manages users, routes and TLS as well.
    public static let admin = Role(name: "admin", rank: 2)

    /// Every role, lowest first.
    public static let all: [Role] = [.viewer, .operator, .admin]

    /// The role with this name, or nil when there is none.
    public init?(name: String) {
        guard let role = Role.all.first(where: { $0.name == name }) else { return nil }
        self = role
    }

    /// Whether this role may do what `required` may do.
    public func includes(_ required: Role) -> Bool { rank >= required.rank }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    public var description: String { name }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let role = Role(name: name) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "role must be one of \(Role.all.map(\.name).joined(separator: ", "))"
            )
        }
        self = role
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
