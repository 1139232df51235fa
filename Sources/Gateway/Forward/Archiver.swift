import Foundation
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif
public import Logging
public import PostgresClient
public import Storage

/// Applies the archive policy once every delivery of an object has finished (none pending):
/// dead-lettered objects go to `failed/`; otherwise `keep` (any route) leaves the file in
/// the tree, `archive` moves it to `forwarded/`, `delete` removes it. The file moves inside
/// the transaction that updates the instance row (locked, so one settler per object), and
/// moves back if the commit fails: the row always says where the file is.
public struct Archiver: Sendable {
    let pool: PostgresPool
    let layout: StorageLayout
    let logger: Logger

    /// An archiver over `layout`.
    public init(pool: PostgresPool, layout: StorageLayout, logger: Logger) {
        self.pool = pool
        self.layout = layout
        self.logger = logger
    }

    /// Settles each of `instanceIDs` whose deliveries are all final; others are left alone.
    public func settle(instanceIDs: [Int64]) async {
        var remaining = Set(instanceIDs)
        guard !remaining.isEmpty else { return }
        // The common case in one statement: every delivery final, none failed, a route keeps
        // the file and it is already in the tree, so only the ledger changes. A delivery made
        // pending again meanwhile is re-checked on its row and left for its own round.
        do {
            let rows = try await pool.query(Self.settleKeptSQL, [Array(remaining)])
            for row in rows { remaining.remove(try row.decode(Int64.self, column: "instance_id")) }
        } catch {
            logger.debug("bulk settle failed, settling one by one: \(error)")
        }
        for id in remaining {
            do {
                try await settle(id)
            } catch {
                logger.warning("archive policy not applied yet: \(error)", metadata: ["instance.id": "\(id)"])
            }
        }
    }

    static let settleKeptSQL = PreparedStatement("""
        WITH verdict AS (
            SELECT d.instance_id
            FROM dicom_gw.deliveries d
            JOIN dicom_gw.instances i ON i.id = d.instance_id
            WHERE d.instance_id = ANY ($1::bigint[]) AND i.storage_state = 'stored' AND i.file_path LIKE 'storage/studies/%'
            GROUP BY d.instance_id
            HAVING bool_or(NOT d.settled) AND NOT bool_or(d.state = 'pending') AND NOT bool_or(d.state = 'failed')
               AND bool_or(d.archive_policy = 'keep' AND d.state <> 'cancelled')
        )
        UPDATE dicom_gw.deliveries d SET settled = true
        FROM verdict v
        WHERE d.instance_id = v.instance_id AND d.state <> 'pending'
        RETURNING d.instance_id
        """)

    /// Settles every instance waiting for it (a sweep after crashes or operator actions).
    /// - Returns: how many were looked at.
    @discardableResult
    public func sweep(limit: Int = 500) async throws -> Int {
        let rows = try await pool.query("""
            SELECT d.instance_id FROM dicom_gw.deliveries d WHERE NOT d.settled
            GROUP BY d.instance_id HAVING bool_and(d.state <> 'pending') LIMIT $1
            """, [limit])
        let ids = try rows.map { try $0.decode(Int64.self, column: "instance_id") }
        await settle(instanceIDs: ids)
        return ids.count
    }

    private func settle(_ id: Int64) async throws {
        var moved: (from: String, to: String)?
        // Should the connection break during COMMIT, the server says afterwards whether it
        // committed, and the file stays where the row then says it is.
        var transactionID: Int64?
        do {
            try await pool.withTransaction { connection in
                let rows = try await connection.query("""
                    SELECT i.file_path, i.storage_state::text AS state, s.study_instance_uid::text AS study,
                           r.series_instance_uid::text AS series, i.sop_instance_uid::text AS sop
                    FROM dicom_gw.instances i
                    JOIN dicom_gw.series r ON r.id = i.series_id
                    JOIN dicom_gw.studies s ON s.id = i.study_id
                    WHERE i.id = $1 FOR UPDATE OF i SKIP LOCKED
                    """, [id])
                guard let row = rows.first else { return }
                let verdict = try await connection.query("""
                    SELECT bool_or(state = 'pending') AS pending, bool_or(state = 'failed') AS failed,
                           bool_or(archive_policy = 'keep' AND state <> 'cancelled') AS keep,
                           bool_or(archive_policy = 'archive') AS archive, bool_or(NOT settled) AS unsettled,
                           bool_and(state = 'cancelled') AS cancelled
                    FROM dicom_gw.deliveries WHERE instance_id = $1
                    """, [id])
                guard let v = verdict.first, try v.decode(Bool?.self, column: "unsettled") == true,
                      try v.decode(Bool?.self, column: "pending") == false
                else { return }
                let state = try row.decode(String.self, column: "state")
                let path = try row.decode(String.self, column: "file_path")
                let uids = InstanceUIDs(study: try row.decode(String.self, column: "study"),
                                        series: try row.decode(String.self, column: "series"),
                                        sop: try row.decode(String.self, column: "sop"))
                let target: (area: StorageArea?, state: String)
                if try v.decode(Bool.self, column: "failed") {
                    target = (.failed, "failed")
                } else if try v.decode(Bool.self, column: "keep") || v.decode(Bool.self, column: "cancelled") {
                    target = (.studies, "stored")
                } else if try v.decode(Bool.self, column: "archive") {
                    target = (.forwarded, "forwarded")
                } else {
                    target = (nil, "deleted")
                }
                if state != "deleted" {
                    if let area = target.area {
                        let newPath = try StorageLayout.relativePath(of: uids, in: area)
                        if newPath != path {
                            try await move(path, to: newPath)
                            moved = (path, newPath)
                            _ = try await connection.execute(
                                "UPDATE dicom_gw.instances SET file_path = $2, storage_state = $3::dicom_gw.storage_state, updated_at = now() WHERE id = $1",
                                [id, newPath, target.state])
                        } else if state != target.state {
                            _ = try await connection.execute(
                                "UPDATE dicom_gw.instances SET storage_state = $2::dicom_gw.storage_state, updated_at = now() WHERE id = $1",
                                [id, target.state])
                        }
                    } else {
                        // The row keeps its history; the file goes once the row says so (a
                        // crash in between leaves a file without a live row, which verify finds).
                        _ = try await connection.execute(
                            "UPDATE dicom_gw.instances SET storage_state = 'deleted', updated_at = now() WHERE id = $1", [id])
                    }
                }
                // The transaction's ID comes back with its last statement (asking earlier would
                // give every transaction an ID, and a commit flush, even one that writes nothing).
                transactionID = try await connection.query(
                    "UPDATE dicom_gw.deliveries SET settled = true WHERE instance_id = $1 RETURNING txid_current()", [id]
                ).first?.decode(Int64.self, at: 0)
                if target.area == nil, state != "deleted" {
                    moved = (path, "")
                }
            }
        } catch let error as PostgresError where error.code == .commitOutcomeUnknown {
            var outcome = TransactionOutcome.unknown
            if let transactionID { outcome = await pool.settledOutcome(ofTransaction: transactionID) }
            guard outcome == .committed else {
                // Aborted, or nobody can say: the file goes back to where the row said it was
                // (if the commit did happen after all, recovery finds the file by its digest).
                if let moved, !moved.to.isEmpty { try? await move(moved.to, to: moved.from) }
                throw error
            }
            logger.warning("the database connection broke during COMMIT; the archive step did commit", metadata: ["instance.id": "\(id)"])
        } catch {
            if let moved, !moved.to.isEmpty {
                try? await move(moved.to, to: moved.from)
            }
            throw error
        }
        if let moved, moved.to.isEmpty {
            let absolute = layout.absolute(moved.from)
            try? await layout.blocking { _ = unlink(absolute) }
        }
    }

    private func move(_ from: String, to: String) async throws {
        let source = layout.absolute(from)
        let target = layout.absolute(to)
        try await layout.blocking {
            let parent = (target as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: Int(StorageLayout.directoryMode)])
            guard rename(source, target) == 0 else {
                throw ForwardError(.fileUnavailable, "cannot move \(from) to \(to): \(String(cString: strerror(errno)))")
            }
        }
    }
}

extension StorageLayout {
    /// Runs blocking file work off the cooperative pool.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive { try body() }
    }
}
