public import Foundation
public import Logging
public import PostgresClient

/// Logs users in (with lockout after repeated failures), and turns session cookies and API
/// tokens back into a ``Principal``. Secrets are compared by their SHA-256 only and never
/// logged.
public struct Authenticator: Sendable {
    /// Login and session policy.
    public struct Policy: Sendable {
        /// Failed logins in a row before the account locks.
        public var maxFailedLogins: Int = 5
        /// How long a locked account stays locked.
        public var lockoutDuration: Duration = .seconds(15 * 60)
        /// How long a session lasts from login.
        public var sessionLifetime: Duration = .seconds(8 * 3600)
        /// The longest lifetime an API token may be given.
        public var maxTokenLifetime: Duration = .seconds(365 * 86_400)

        /// Default policy.
        public init() {}
    }

    /// A successful login.
    public struct Login: Sendable {
        /// The session secret for the cookie (shown once; only its hash is stored).
        public var sessionToken: String
        /// The CSRF token to send with changes in `X-CSRF-Token`.
        public var csrfToken: String
        /// When the session ends.
        public var expiresAt: Date
        /// Who logged in.
        public var principal: Principal
    }

    let pool: PostgresPool
    let hasher: PasswordHasher
    /// The policy in force.
    public let policy: Policy
    let logger: Logger

    /// An authenticator over `pool`.
    public init(pool: PostgresPool, hasher: PasswordHasher, policy: Policy = .init(), logger: Logger) {
        self.pool = pool
        self.hasher = hasher
        self.policy = policy
        self.logger = logger
    }

    /// Checks a username and password and opens a session.
    /// - Returns: the session, or nil when refused (wrong password, unknown user, locked or
    ///   disabled account: the caller cannot tell which; the audit log can).
    /// - Throws: ``PostgresError``.
    public func login(username: String, password: String, address: String?) async throws -> Login? {
        struct Candidate {
            var id: Int64
            var passwordHash: String
            var role: Role
            var disabled: Bool
            var locked: Bool
        }
        var candidate: Candidate?
        if UserRecord.isValidUsername(username),
            let row = try await pool.query(
                """
                SELECT id, password_hash, role, disabled, coalesce(locked_until > now(), false) AS locked
                  FROM dicom_gw.users WHERE username = $1::text
                """, [username]).first,
            let role = Role(name: try row.decode(String.self, column: "role"))
        {
            candidate = Candidate(
                id: try row.decode(Int64.self, column: "id"),
                passwordHash: try row.decode(String.self, column: "password_hash"),
                role: role,
                disabled: try row.decode(Bool.self, column: "disabled"),
                locked: try row.decode(Bool.self, column: "locked"))
        }
        guard let user = candidate else {
            try await hasher.burnVerification(password)
            // The attempted name is not recorded: people type passwords into the username field.
            try await AuditLog(pool: pool).record(
                AuditEvent(actor: .user("anonymous", address: address), action: AuditAction.loginFailed,
                           outcome: .failure, details: ["reason": "unknown_user"]))
            return nil
        }
        let refusal: String?
        if user.disabled {
            try await hasher.burnVerification(password)
            refusal = "disabled"
        } else if user.locked {
            try await hasher.burnVerification(password)
            refusal = "locked"
        } else if try await hasher.verify(password, hash: user.passwordHash) {
            refusal = nil
        } else {
            refusal = "bad_password"
        }
        if let refusal {
            try await pool.withTransaction { connection in
                var details: [String: AuditValue] = ["reason": .string(refusal)]
                if refusal == "bad_password" {
                    // Counting and locking in one statement keeps concurrent attempts exact.
                    let rows = try await connection.query(
                        """
                        UPDATE dicom_gw.users
                           SET failed_login_count = CASE WHEN failed_login_count + 1 >= $2 THEN 0 ELSE failed_login_count + 1 END,
                               locked_until = CASE WHEN failed_login_count + 1 >= $2
                                                   THEN now() + make_interval(secs => $3::double precision)
                                                   ELSE locked_until END
                         WHERE id = $1
                        RETURNING coalesce(locked_until > now(), false) AS locked
                        """,
                        [user.id, policy.maxFailedLogins, Double(policy.lockoutDuration.components.seconds)])
                    if let row = rows.first, try row.decode(Bool.self, column: "locked") {
                        details["locked"] = true
                    }
                }
                try await AuditLog.record(
                    AuditEvent(actor: .user(username, address: address), action: AuditAction.loginFailed,
                               objectType: "user", objectID: username, outcome: .failure, details: details),
                    on: connection)
            }
            return nil
        }
        let sessionToken = SecretGenerator.randomToken()
        let csrfToken = SecretGenerator.randomToken(byteCount: 24)
        let expiresAt = try await pool.withTransaction { connection in
            try await connection.execute(
                "UPDATE dicom_gw.users SET failed_login_count = 0, locked_until = NULL, last_login_at = now() WHERE id = $1",
                [user.id])
            let rows = try await connection.query(
                """
                INSERT INTO dicom_gw.sessions (token_hash, user_id, csrf_token, expires_at, address)
                VALUES ($1::bytea, $2, $3::text, now() + make_interval(secs => $4::double precision), $5::inet)
                RETURNING id, expires_at
                """,
                [SecretGenerator.hash(sessionToken), user.id, csrfToken,
                 Double(policy.sessionLifetime.components.seconds), AuditLog.validAddress(address)])
            guard let row = rows.first else { throw PostgresError(code: .client, message: "session insert returned nothing") }
            try await AuditLog.record(
                AuditEvent(actor: .user(username, address: address), action: AuditAction.loginSucceeded,
                           objectType: "user", objectID: username),
                on: connection)
            return (id: try row.decode(Int64.self, column: "id"), expiresAt: try row.decode(Date.self, column: "expires_at"))
        }
        return Login(
            sessionToken: sessionToken, csrfToken: csrfToken, expiresAt: expiresAt.expiresAt,
            principal: Principal(
                userID: user.id, username: username, role: user.role,
                credential: .session(id: expiresAt.id, csrfToken: csrfToken)))
    }

    /// The principal of a live session, or nil (unknown, expired, disabled user, or a
    /// session older than the last password change).
    public func principal(sessionToken: String) async throws -> Principal? {
        guard sessionToken.utf8.count <= 128 else { return nil }
        guard let row = try await pool.query(
            """
            SELECT s.id AS session_id, s.csrf_token, u.id AS user_id, u.username, u.role
              FROM dicom_gw.sessions s JOIN dicom_gw.users u ON u.id = s.user_id
             WHERE s.token_hash = $1::bytea AND s.expires_at > now() AND NOT u.disabled
               AND s.created_at >= u.password_changed_at
            """, [SecretGenerator.hash(sessionToken)]).first,
            let role = Role(name: try row.decode(String.self, column: "role"))
        else { return nil }
        return Principal(
            userID: try row.decode(Int64.self, column: "user_id"),
            username: try row.decode(String.self, column: "username"),
            role: role,
            credential: .session(
                id: try row.decode(Int64.self, column: "session_id"),
                csrfToken: try row.decode(String.self, column: "csrf_token")))
    }

    /// The principal of a live API token (not expired, not revoked, owner enabled), or nil.
    /// Marks the token used.
    public func principal(apiToken: String) async throws -> Principal? {
        guard apiToken.hasPrefix(SecretGenerator.apiTokenPrefix), apiToken.utf8.count <= 128 else { return nil }
        guard let row = try await pool.query(
            """
            UPDATE dicom_gw.api_tokens t SET last_used_at = now()
              FROM dicom_gw.users u
             WHERE t.token_hash = $1::bytea AND u.id = t.user_id
               AND t.revoked_at IS NULL AND t.expires_at > now() AND NOT u.disabled
            RETURNING t.id AS token_id, u.id AS user_id, u.username, u.role
            """, [SecretGenerator.hash(apiToken)]).first,
            let role = Role(name: try row.decode(String.self, column: "role"))
        else { return nil }
        return Principal(
            userID: try row.decode(Int64.self, column: "user_id"),
            username: try row.decode(String.self, column: "username"),
            role: role,
            credential: .apiToken(id: try row.decode(Int64.self, column: "token_id")))
    }

    /// Ends a session.
    public func logout(_ principal: Principal, address: String?) async throws {
        guard case .session(let id, _) = principal.credential else { return }
        try await pool.withTransaction { connection in
            try await connection.execute("DELETE FROM dicom_gw.sessions WHERE id = $1", [id])
            try await AuditLog.record(
                AuditEvent(actor: .user(principal.username, address: address), action: AuditAction.logout,
                           objectType: "user", objectID: principal.username),
                on: connection)
        }
    }

    /// Whether `password` is the current password of `userID` (for a password change).
    public func checkPassword(userID: Int64, password: String) async throws -> Bool {
        guard let row = try await pool.query("SELECT password_hash FROM dicom_gw.users WHERE id = $1", [userID]).first
        else { return false }
        return try await hasher.verify(password, hash: try row.decode(String.self, column: "password_hash"))
    }

    /// Removes expired sessions; returns how many.
    @discardableResult
    public func removeExpiredSessions() async throws -> Int {
        try await pool.execute("DELETE FROM dicom_gw.sessions WHERE expires_at <= now()")
    }
}
