import Foundation
import PostgresClient
import Storage

/// The instance files of a tree and the instance rows of a database, side by side.
struct TreeState {
    struct Row: Hashable {
        var sop: String
        var path: String
        var state: String
        var size: Int64
        var sha256: [UInt8]
    }

    var files: [String: TreeEntry] = [:]
    var directories: [TreeEntry] = []
    var unexpected: [TreeEntry] = []
    var incoming: [TreeEntry] = []
    var rows: [String: Row] = [:]

    static func read(_ layout: StorageLayout, pool: PostgresPool) async throws -> TreeState {
        var state = TreeState()
        var listing = TreeListing()
        for area in [StorageArea.studies, .forwarded, .failed] {
            try StorageTree.scan(try StorageTree.studyNames(in: area, layout: layout), in: area, layout: layout, into: &listing)
        }
        for file in listing.instanceFiles { state.files[file.relativePath] = file }
        state.directories = listing.directories
        state.unexpected = listing.unexpected
        state.incoming = try StorageTree.files(under: StorageLayout.incoming, layout: layout)
        let rows = try await pool.query(
            "SELECT sop_instance_uid::text AS sop, file_path, storage_state::text AS state, size_bytes, sha256 FROM dicom_gw.instances")
        for row in rows {
            let value = Row(
                sop: try row.decode(column: "sop"), path: try row.decode(column: "file_path"),
                state: try row.decode(column: "state"), size: try row.decode(column: "size_bytes"),
                sha256: try row.decode(column: "sha256"))
            state.rows[value.sop] = value
        }
        return state
    }

    /// Rows that should have a file.
    var liveRows: [Row] { rows.values.filter { $0.state != "deleted" } }

    /// Whether every live row has its file and every file its row.
    var agrees: Bool {
        Set(liveRows.map(\.path)) == Set(files.keys) && liveRows.count == files.count
    }

    /// Audit events with `action`, counted.
    static func auditCount(_ pool: PostgresPool, action: String, actorType: String? = nil) async throws -> Int {
        let rows = try await pool.query(
            "SELECT count(*)::bigint AS n FROM dicom_gw.audit_events WHERE action = $1 AND ($2::text IS NULL OR actor_type = $2)",
            [action, actorType])
        return Int(try rows.first?.decode(Int64.self, column: "n") ?? 0)
    }
}
