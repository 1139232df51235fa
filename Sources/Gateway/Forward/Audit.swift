import Foundation
import PostgresClient

/// Who did something, as `dicom_gw.audit_events` records it.
public struct AuditActor: Sendable, Hashable {
    /// `user` (an operator at the CLI or API) or `system` (the gateway itself).
    public var type: String
    /// The user name, or the component (`forwarder`, `config-sync`).
    public var name: String

    /// An operator.
    public static func user(_ name: String) -> AuditActor { AuditActor(type: "user", name: name) }
    /// The gateway itself.
    public static func system(_ component: String) -> AuditActor { AuditActor(type: "system", name: component) }
}

/// Appends audit events in the caller's transaction.
enum Audit {
    static func record(
        _ actor: AuditActor, action: String, objectType: String, objectID: String, outcome: String = "success",
        details: [String: String], on connection: PostgresConnection
    ) async throws {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: details, options: [.sortedKeys]), as: UTF8.self)
        _ = try await connection.execute("""
            INSERT INTO dicom_gw.audit_events (actor_type, actor, action, object_type, object_id, outcome, details)
            VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
            """, [actor.type, actor.name, action, objectType, objectID, outcome, json])
    }

    static func record(
        _ actor: AuditActor, action: String, objectType: String, objectID: String, outcome: String = "success",
        details: [String: String], pool: PostgresPool
    ) async throws {
        try await pool.withConnection { connection in
            try await record(actor, action: action, objectType: objectType, objectID: objectID, outcome: outcome,
                             details: details, on: connection)
        }
    }
}
