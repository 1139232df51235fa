import Logging
public import PostgresClient

/// Records audit events.
///
/// Events are inserted unsealed; ``AuditSealer`` later chains them. Inserting is one
/// statement with no lock on the chain, so it is cheap inside a receive transaction.
public struct AuditLog: Sendable {
    let pool: PostgresPool

    /// An audit log writing through `pool`.
    public init(pool: PostgresPool) {
        self.pool = pool
    }

    static let insertSQL = """
        INSERT INTO dicom_gw.audit_events
            (actor_type, actor, actor_address, action, object_type, object_id, outcome, details)
        VALUES ($1::text, $2::text, $3::inet, $4::text, $5::text, $6::text, $7::text, $8::jsonb)
        RETURNING id
        """

    /// Records `event` in the caller's transaction (or session): it commits or rolls back
    /// with the caller's own work.
    /// - Returns: the event's id.
    /// - Throws: ``PostgresError``.
    @discardableResult
    public static func record(_ event: AuditEvent, on connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query(insertSQL, parameters(for: event))
        guard let row = rows.first else {
            throw PostgresError(code: .client, message: "audit insert returned no id")
        }
        return try row.decode(Int64.self, column: "id")
    }

    /// Records `event` on its own, in a transaction of its own.
    /// - Returns: the event's id.
    /// - Throws: ``PostgresError``.
    @discardableResult
    public func record(_ event: AuditEvent) async throws -> Int64 {
        try await pool.withConnection { try await Self.record(event, on: $0) }
    }

    static func parameters(for event: AuditEvent) throws -> [any PostgresEncodable] {
        [
            event.actor.type, event.actor.name, validAddress(event.actor.address), event.action,
            event.objectType, event.objectID, event.outcome.rawValue, try event.detailsJSON(),
        ]
    }

    /// The address if PostgreSQL's inet would take it, else nil: an unparsable address must
    /// not make the audited action fail.
    static func validAddress(_ address: String?) -> String? {
        guard let address, !address.isEmpty, address.count <= 64 else { return nil }
        let allowed = address.unicodeScalars.allSatisfy { scalar in
            ("0"..."9").contains(scalar) || ("a"..."f").contains(scalar) || ("A"..."F").contains(scalar)
                || scalar == "." || scalar == ":" || scalar == "/"
        }
        guard allowed else { return nil }
        if address.contains(":") { return address }
        let octets = address.split(separator: "/")[0].split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ Int($0).map { (0...255).contains($0) } ?? false }) else { return nil }
        return address
    }
}
