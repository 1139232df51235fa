import Foundation
public import PostgresClient

/// An instance row as reconciliation sees it.
public struct StoredInstanceRow: Sendable, Hashable {
    public var id: Int64
    public var sopInstanceUID: String
    public var filePath: String
    public var storageState: String
    public var sizeBytes: Int64
    public var sha256: [UInt8]
}

extension InstanceStore {
    /// The rows of the given SOP Instance UIDs (any state), keyed by UID.
    public static func rows(sopInstanceUIDs: [String], on connection: PostgresConnection) async throws -> [String: StoredInstanceRow] {
        guard !sopInstanceUIDs.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT id, sop_instance_uid::text, file_path, storage_state::text, size_bytes, sha256
              FROM dicom_gw.instances WHERE sop_instance_uid::text = ANY($1::text[])
            """,
            [sopInstanceUIDs]
        )
        var result: [String: StoredInstanceRow] = [:]
        for row in rows {
            let decoded = try decode(row)
            result[decoded.sopInstanceUID] = decoded
        }
        return result
    }

    /// A page of the rows that should have a file (state other than `deleted`), by id.
    public static func rowsWithFiles(after id: Int64, limit: Int, on connection: PostgresConnection) async throws -> [StoredInstanceRow] {
        let rows = try await connection.query(
            """
            SELECT id, sop_instance_uid::text, file_path, storage_state::text, size_bytes, sha256
              FROM dicom_gw.instances WHERE id > $1 AND storage_state <> 'deleted' ORDER BY id LIMIT $2
            """,
            [id, Int64(limit)]
        )
        return try rows.map(decode)
    }

    /// Marks a row whose file is gone as `deleted`, with a system audit event.
    public static func markFileMissing(_ row: StoredInstanceRow, actor: String, on connection: PostgresConnection) async throws {
        _ = try await connection.execute(
            "UPDATE dicom_gw.instances SET storage_state = 'deleted', updated_at = now() WHERE id = $1",
            [row.id]
        )
        try await audit(
            action: "storage.row_deleted", object: row.sopInstanceUID, outcome: "warning", actor: actor,
            details: ["reason": "file missing", "file_path": row.filePath, "previous_state": row.storageState],
            on: connection
        )
    }

    /// Records the size, checksum and transfer syntax a file really has, with an audit event.
    public static func updateContent(
        _ row: StoredInstanceRow, sizeBytes: Int64, sha256: [UInt8], transferSyntaxUID: String,
        actor: String, on connection: PostgresConnection
    ) async throws {
        _ = try await connection.execute(
            """
            UPDATE dicom_gw.instances SET size_bytes = $2, sha256 = $3, transfer_syntax_uid = $4, updated_at = now()
             WHERE id = $1
            """,
            [row.id, sizeBytes, sha256, transferSyntaxUID]
        )
        try await audit(
            action: "storage.reindexed", object: row.sopInstanceUID, outcome: "warning", actor: actor,
            details: [
                "file_path": row.filePath, "old_size_bytes": "\(row.sizeBytes)", "size_bytes": "\(sizeBytes)",
                "old_sha256": hex(row.sha256), "sha256": hex(sha256),
            ],
            on: connection
        )
    }

    /// Points a row at the file where it really is, and sets the state that area implies.
    public static func relink(
        _ row: StoredInstanceRow, to path: String, area: StorageArea, actor: String, on connection: PostgresConnection
    ) async throws {
        _ = try await connection.execute(
            """
            UPDATE dicom_gw.instances SET file_path = $2, storage_state = $3::dicom_gw.storage_state, updated_at = now()
             WHERE id = $1
            """,
            [row.id, path, area.storageState]
        )
        try await audit(
            action: "storage.relinked", object: row.sopInstanceUID, outcome: "warning", actor: actor,
            details: ["old_file_path": row.filePath, "file_path": path, "old_state": row.storageState, "state": area.storageState],
            on: connection
        )
    }

    /// Writes an audit event by the system (`actor_type` 'system').
    public static func audit(
        action: String, object: String?, outcome: String, actor: String, details: [String: String],
        on connection: PostgresConnection
    ) async throws {
        let keys = details.keys.sorted()
        _ = try await connection.execute(
            """
            INSERT INTO dicom_gw.audit_events (actor_type, actor, action, object_type, object_id, outcome, details)
            VALUES ('system', $1, $2, 'instance', $3, $4, jsonb_object($5::text[], $6::text[]))
            """,
            [actor, action, object, outcome, keys, keys.map { details[$0] ?? "" }]
        )
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    private static func decode(_ row: PostgresRow) throws -> StoredInstanceRow {
        StoredInstanceRow(
            id: try row.decode(column: "id"),
            sopInstanceUID: try row.decode(column: "sop_instance_uid"),
            filePath: try row.decode(column: "file_path"),
            storageState: try row.decode(column: "storage_state"),
            sizeBytes: try row.decode(column: "size_bytes"),
            sha256: try row.decode(column: "sha256")
        )
    }
}
