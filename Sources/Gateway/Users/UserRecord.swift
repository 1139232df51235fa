public import Foundation

/// An operator account as shown by the API and `dicom-gw user list` (never its password hash).
public struct UserRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var username: String
    public var role: Role
    public var disabled: Bool
    public var failedLoginCount: Int
    /// Set while the account is locked after repeated failed logins.
    public var lockedUntil: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var lastLoginAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, username, role, disabled
        case failedLoginCount = "failed_login_count"
        case lockedUntil = "locked_until"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case lastLoginAt = "last_login_at"
    }

    /// Usernames: a letter or digit, then up to 63 of letters, digits, `.`, `_`, `@`, `-`
    /// (the CHECK on `users.username`).
    public static func isValidUsername(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 64 else { return false }
        func alnum(_ s: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
        }
        return alnum(first) && name.unicodeScalars.allSatisfy { alnum($0) || ".-_@".unicodeScalars.contains($0) }
    }
}
