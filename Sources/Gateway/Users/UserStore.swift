import Foundation
public import PostgresClient

/// Creates and changes operator accounts; every change is audited in the same transaction.
public struct UserStore: Sendable {
    let pool: PostgresPool
    /// The password hasher (its cost applies to new hashes).
    public let hasher: PasswordHasher

    /// A store over `pool`.
    public init(pool: PostgresPool, hasher: PasswordHasher) {
        self.pool = pool
        self.hasher = hasher
    }

    static let columns = """
        id, username, role, disabled, failed_login_count, locked_until, created_at, updated_at, last_login_at
        """

    /// Every account, by username.
    public func list() async throws -> [UserRecord] {
        try await pool.query("SELECT \(Self.columns) FROM dicom_gw.users ORDER BY username").map(UserRecord.init(row:))
    }

    /// The account with this id, or nil.
    public func find(id: Int64) async throws -> UserRecord? {
        try await pool.query("SELECT \(Self.columns) FROM dicom_gw.users WHERE id = $1", [id]).first.map(UserRecord.init(row:))
    }

    /// The account with this username, or nil.
    public func find(username: String) async throws -> UserRecord? {
        try await pool.query("SELECT \(Self.columns) FROM dicom_gw.users WHERE username = $1::text", [username])
            .first.map(UserRecord.init(row:))
    }

    /// Creates an account.
    /// - Throws: ``ResourceError`` (invalid username or password, duplicate username), ``PostgresError``.
    public func create(username: String, password: String, role: Role, by actor: AuditEvent.Actor) async throws -> UserRecord {
        guard UserRecord.isValidUsername(username) else {
            throw ResourceError.invalid("username", "1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit")
        }
        if let problem = PasswordHasher.policyViolation(password) { throw ResourceError.invalid("password", problem) }
        let hash = try await hasher.hash(password)
        do {
            return try await pool.withTransaction { connection in
                let rows = try await connection.query(
                    "INSERT INTO dicom_gw.users (username, password_hash, role) VALUES ($1::text, $2::text, $3::text) RETURNING \(Self.columns)",
                    [username, hash, role.name])
                guard let row = rows.first else { throw ResourceError.notFound("user") }
                let user = try UserRecord(row: row)
                try await AuditLog.record(
                    AuditEvent(actor: actor, action: AuditAction.userCreated, objectType: "user", objectID: username,
                               details: ["role": .string(role.name)]),
                    on: connection)
                return user
            }
        } catch let error as PostgresError where error.code == .uniqueViolation {
            throw ResourceError.conflict("a user named \(username) already exists")
        }
    }

    /// Creates the first admin when there is no account at all (for `make run` and first
    /// start-up). The password is `password`, or generated when nil.
    /// - Returns: the account and the password to show once, or nil when accounts exist.
    public func createInitialAdmin(
        username: String = "admin", password: String? = nil, by actor: AuditEvent.Actor = .system("setup")
    ) async throws -> (user: UserRecord, password: String)? {
        let existing = try await pool.query("SELECT EXISTS (SELECT 1 FROM dicom_gw.users) AS any")
        if let row = existing.first, try row.decode(Bool.self, column: "any") { return nil }
        let secret = password ?? SecretGenerator.password()
        do {
            return (try await create(username: username, password: secret, role: .admin, by: actor), secret)
        } catch let error as ResourceError where error.code == .conflict {
            // Another process created it first.
            return nil
        }
    }

    /// Sets a new password, clears any lockout, ends the user's sessions and revokes their API
    /// tokens: a password changed because it leaked must not leave a way in.
    public func setPassword(userID: Int64, password: String, by actor: AuditEvent.Actor) async throws -> UserRecord {
        if let problem = PasswordHasher.policyViolation(password) { throw ResourceError.invalid("password", problem) }
        let hash = try await hasher.hash(password)
        return try await update(
            userID: userID,
            set: "password_hash = $2::text, password_changed_at = now(), failed_login_count = 0, locked_until = NULL",
            [hash], endSessions: true, revokeTokens: true, audit: AuditAction.userPasswordChanged, details: [:], by: actor)
    }

    /// Changes the role. The last enabled admin cannot be demoted.
    public func setRole(userID: Int64, role: Role, by actor: AuditEvent.Actor) async throws -> UserRecord {
        try await update(
            userID: userID, set: "role = $2::text", [role.name], endSessions: false,
            audit: AuditAction.userRoleChanged, details: ["role": .string(role.name)], by: actor,
            guardLastAdmin: role != .admin)
    }

    /// Disables or enables the account. Disabling ends its sessions (its tokens stop working);
    /// enabling clears any lockout. The last enabled admin cannot be disabled.
    public func setDisabled(userID: Int64, disabled: Bool, by actor: AuditEvent.Actor) async throws -> UserRecord {
        try await update(
            userID: userID,
            set: disabled ? "disabled = true" : "disabled = false, failed_login_count = 0, locked_until = NULL",
            [], endSessions: disabled, audit: disabled ? AuditAction.userDisabled : AuditAction.userEnabled,
            details: [:], by: actor, guardLastAdmin: disabled)
    }

    private func update(
        userID: Int64, set assignments: String, _ values: [any PostgresEncodable], endSessions: Bool,
        revokeTokens: Bool = false, audit action: String, details: [String: AuditValue], by actor: AuditEvent.Actor, guardLastAdmin: Bool = false
    ) async throws -> UserRecord {
        try await pool.withTransaction { connection in
            if guardLastAdmin {
                // Lock the admins so two concurrent demotions cannot both pass the check.
                let admins = try await connection.query(
                    "SELECT id FROM dicom_gw.users WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE")
                let ids = try admins.map { try $0.decode(Int64.self, column: "id") }
                if ids == [userID] {
                    throw ResourceError.conflict("this is the last enabled admin; add or enable another admin first")
                }
            }
            let rows = try await connection.query(
                "UPDATE dicom_gw.users SET \(assignments), updated_at = now() WHERE id = $1 RETURNING \(Self.columns)",
                [userID] + values)
            guard let row = rows.first else { throw ResourceError.notFound("user") }
            let user = try UserRecord(row: row)
            if endSessions {
                try await connection.execute("DELETE FROM dicom_gw.sessions WHERE user_id = $1", [userID])
            }
            var details = details
            if revokeTokens {
                let revoked = try await connection.execute(
                    "UPDATE dicom_gw.api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", [userID])
                details["api_tokens_revoked"] = .int(Int64(revoked))
            }
            try await AuditLog.record(
                AuditEvent(actor: actor, action: action, objectType: "user", objectID: user.username, details: details),
                on: connection)
            return user
        }
    }
}

extension UserRecord {
    init(row: PostgresRow) throws {
        let roleName = try row.decode(String.self, column: "role")
        guard let role = Role(name: roleName) else {
            throw PostgresError(code: .decodingFailed, message: "unknown role \(roleName)")
        }
        self.init(
            id: try row.decode(Int64.self, column: "id"),
            username: try row.decode(String.self, column: "username"),
            role: role,
            disabled: try row.decode(Bool.self, column: "disabled"),
            failedLoginCount: Int(try row.decode(Int32.self, column: "failed_login_count")),
            lockedUntil: try row.decode(Date?.self, column: "locked_until"),
            createdAt: try row.decode(Date.self, column: "created_at"),
            updatedAt: try row.decode(Date.self, column: "updated_at"),
            lastLoginAt: try row.decode(Date?.self, column: "last_login_at"))
    }
}
