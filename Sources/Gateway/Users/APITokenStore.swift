public import Foundation
public import PostgresClient

/// An API token as listed (never the token itself).
public struct APITokenRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var name: String
    /// The first characters of the token, to tell tokens apart.
    public var prefix: String
    public var userID: Int64
    public var username: String
    public var createdAt: Date
    public var expiresAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name, prefix, username
        case userID = "user_id"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case lastUsedAt = "last_used_at"
        case revokedAt = "revoked_at"
    }
}

/// Issues, lists and revokes API tokens. A token is shown once, when issued; the database
/// keeps its SHA-256.
public struct APITokenStore: Sendable {
    let pool: PostgresPool

    /// A store over `pool`.
    public init(pool: PostgresPool) {
        self.pool = pool
    }

    static let columns = """
        t.id, t.name, t.prefix, t.user_id, u.username, t.created_at, t.expires_at, t.last_used_at, t.revoked_at
        """

    /// Issues a token for `userID` valid for `lifetime`.
    /// - Returns: the token (to show once) and its record.
    public func issue(
        userID: Int64, name: String, lifetime: Duration, by actor: AuditEvent.Actor
    ) async throws -> (token: String, record: APITokenRecord) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(trimmed.count), !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ResourceError.invalid("name", "1–100 printable characters")
        }
        let token = SecretGenerator.apiToken()
        let prefix = String(token.prefix(SecretGenerator.apiTokenPrefix.count + 6))
        let record = try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                WITH t AS (
                    INSERT INTO dicom_gw.api_tokens (token_hash, prefix, user_id, name, expires_at)
                    VALUES ($1::bytea, $2::text, $3, $4::text, now() + make_interval(secs => $5::double precision))
                    RETURNING *)
                SELECT \(Self.columns) FROM t JOIN dicom_gw.users u ON u.id = t.user_id
                """,
                [SecretGenerator.hash(token), prefix, userID, trimmed, Double(lifetime.components.seconds)])
            guard let row = rows.first else { throw ResourceError.notFound("user") }
            let record = try APITokenRecord(row: row)
            try await AuditLog.record(
                AuditEvent(actor: actor, action: AuditAction.tokenCreated, objectType: "api_token", objectID: String(record.id),
                           details: ["owner": .string(record.username), "name": .string(trimmed), "prefix": .string(prefix)]),
                on: connection)
            return record
        }
        return (token, record)
    }

    /// Tokens of one user (or of everyone when `userID` is nil), newest first.
    public func list(userID: Int64?) async throws -> [APITokenRecord] {
        let rows = try await pool.query(
            """
            SELECT \(Self.columns) FROM dicom_gw.api_tokens t JOIN dicom_gw.users u ON u.id = t.user_id
             WHERE $1::bigint IS NULL OR t.user_id = $1::bigint ORDER BY t.id DESC
            """, [userID])
        return try rows.map(APITokenRecord.init(row:))
    }

    /// The token with this id, or nil.
    public func find(id: Int64) async throws -> APITokenRecord? {
        try await pool.query(
            "SELECT \(Self.columns) FROM dicom_gw.api_tokens t JOIN dicom_gw.users u ON u.id = t.user_id WHERE t.id = $1",
            [id]).first.map(APITokenRecord.init(row:))
    }

    /// Revokes a token (idempotent).
    public func revoke(id: Int64, by actor: AuditEvent.Actor) async throws -> APITokenRecord {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                WITH t AS (
                    UPDATE dicom_gw.api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING *)
                SELECT \(Self.columns) FROM t JOIN dicom_gw.users u ON u.id = t.user_id
                """, [id])
            guard let row = rows.first else { throw ResourceError.notFound("token") }
            let record = try APITokenRecord(row: row)
            try await AuditLog.record(
                AuditEvent(actor: actor, action: AuditAction.tokenRevoked, objectType: "api_token", objectID: String(id),
                           details: ["owner": .string(record.username)]),
                on: connection)
            return record
        }
    }
}

extension APITokenRecord {
    init(row: PostgresRow) throws {
        self.init(
            id: try row.decode(Int64.self, column: "id"),
            name: try row.decode(String.self, column: "name"),
            prefix: try row.decode(String.self, column: "prefix"),
            userID: try row.decode(Int64.self, column: "user_id"),
            username: try row.decode(String.self, column: "username"),
            createdAt: try row.decode(Date.self, column: "created_at"),
            expiresAt: try row.decode(Date.self, column: "expires_at"),
            lastUsedAt: try row.decode(Date?.self, column: "last_used_at"),
            revokedAt: try row.decode(Date?.self, column: "revoked_at"))
    }
}
