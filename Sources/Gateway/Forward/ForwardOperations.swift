public import Foundation
public import JobQueue
import PostgresClient

/// Operator actions on forwarding (CLI and admin API): retry, cancel, replay. Each keeps the
/// delivery ledger in step with the queue and is audited.
public struct ForwardOperations: Sendable {
    let pool: PostgresPool
    let queue: JobQueue

    /// Operations over `queue`.
    public init(queue: JobQueue) {
        self.pool = queue.pool
        self.queue = queue
    }

    /// Puts dead-lettered or cancelled forward jobs back to work (fresh attempts).
    /// - Returns: the ids requeued.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func retry(_ ids: [Int64], actor: AuditActor) async throws -> [Int64] {
        let requeued = try await queue.retry(ids)
        guard !requeued.isEmpty else { return [] }
        try await pool.withTransaction { connection in
            _ = try await connection.execute("""
                UPDATE dicom_gw.deliveries d SET state = 'pending', settled = false, enqueued_at = now(), job_id = j.id
                FROM dicom_gw.jobs j
                WHERE j.id = ANY ($1) AND d.instance_id = (j.payload ->> 'instance_id')::bigint
                  AND j.lane = 'destination:' || d.destination_id
                """, [requeued])
            try await Audit.record(actor, action: "job.retry", objectType: "job", objectID: requeued.map(String.init).joined(separator: ","),
                                   details: ["count": String(requeued.count)], on: connection)
        }
        return requeued
    }

    /// The ids of the dead letters of the destination named `destination` (all when nil).
    /// - Throws: `PostgresError`.
    public func deadLetters(destination: String?) async throws -> [Int64] {
        let rows = try await pool.query("""
            SELECT dl.id FROM dicom_gw.job_dead_letters dl
            WHERE dl.queue = 'forward' AND ($1::text IS NULL OR dl.lane = (SELECT 'destination:' || id FROM dicom_gw.destinations WHERE name = $1))
            ORDER BY dl.id
            """, [destination])
        return try rows.map { try $0.decode(Int64.self, column: "id") }
    }

    /// Cancels live forward jobs; their ledger rows say cancelled.
    /// - Returns: the ids cancelled.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func cancel(_ ids: [Int64], actor: AuditActor) async throws -> [Int64] {
        let cancelled = try await queue.cancel(ids, reason: "cancelled by \(actor.name)")
        guard !cancelled.isEmpty else { return [] }
        try await pool.withTransaction { connection in
            _ = try await connection.execute("""
                UPDATE dicom_gw.deliveries d SET state = 'cancelled', last_error = 'cancelled by operator'
                WHERE d.state = 'pending' AND d.job_id = ANY ($1)
                """, [cancelled])
            try await Audit.record(actor, action: "job.cancel", objectType: "job", objectID: cancelled.map(String.init).joined(separator: ","),
                                   details: ["count": String(cancelled.count)], on: connection)
        }
        return cancelled
    }

    /// What a replay selects or enqueued.
    public struct ReplayItem: Sendable, Hashable {
        /// The instance.
        public var sopInstanceUID: String
        /// Where its file is, relative to the root.
        public var filePath: String
        /// The destination.
        public var destination: String
        /// The job enqueued; nil in a dry run or when a live job already covers it.
        public var jobID: Int64?
    }

    /// Re-sends stored objects (from the tree, `forwarded/` or `failed/`, wherever the row
    /// says) to the destinations their ledger names, or to `to` alone.
    /// - Parameters:
    ///   - study: every instance of this study.
    ///   - destination: instances last enqueued to it at or after `since`.
    ///   - dryRun: select only.
    /// - Throws: ``ForwardError`` `invalidArgument` without a selection, `PostgresError`.
    public func replay(
        study: String?, destination: String?, since: Date?, to: String?, dryRun: Bool, actor: AuditActor
    ) async throws -> [ReplayItem] {
        guard study != nil || destination != nil else {
            throw ForwardError(.invalidArgument, "replay needs --study UID or --destination NAME")
        }
        let rows = try await pool.query("""
            SELECT i.id AS instance_id, i.sop_instance_uid::text AS sop, i.file_path, s.study_instance_uid::text AS study,
                   de.id AS destination_id, de.name AS destination, d.route_id, d.archive_policy
            FROM dicom_gw.deliveries d
            JOIN dicom_gw.instances i ON i.id = d.instance_id
            JOIN dicom_gw.studies s ON s.id = i.study_id
            JOIN dicom_gw.destinations de ON de.id = d.destination_id
            WHERE i.storage_state <> 'deleted'
              AND ($1::text IS NULL OR s.study_instance_uid = $1)
              AND ($2::text IS NULL OR de.name = $2)
              AND ($3::timestamptz IS NULL OR d.enqueued_at >= $3)
              AND ($4::text IS NULL OR de.name = $4)
            ORDER BY s.study_instance_uid, i.id, de.name
            """, [study, destination, since, to])
        struct Row { var instance: Int64; var sop: String; var path: String; var study: String; var dest: Int64; var name: String; var route: Int64; var policy: String }
        let selected = try rows.map { r in
            Row(instance: try r.decode(Int64.self, column: "instance_id"), sop: try r.decode(String.self, column: "sop"),
                path: try r.decode(String.self, column: "file_path"), study: try r.decode(String.self, column: "study"),
                dest: try r.decode(Int64.self, column: "destination_id"), name: try r.decode(String.self, column: "destination"),
                route: try r.decode(Int64?.self, column: "route_id") ?? 0, policy: try r.decode(String.self, column: "archive_policy"))
        }
        var items = selected.map { ReplayItem(sopInstanceUID: $0.sop, filePath: $0.path, destination: $0.name) }
        if dryRun || selected.isEmpty { return items }
        let queue = self.queue
        try await pool.withTransaction { connection in
            let jobs = selected.map {
                NewJob(kind: ForwardHooks.jobKind, lane: "destination:\($0.dest)", payload: #"{"instance_id":\#($0.instance),"replay":true}"#,
                       groupKey: "study:\($0.study)", dedupeKey: "forward:\($0.dest):\($0.sop)")
            }
            let ids = try await queue.enqueue(jobs, into: ForwardHooks.queueName, on: connection)
            var instances: [Int64] = [], dests: [Int64] = [], routes: [Int64] = []
            var policies: [String] = [], jobIDs: [Int64] = []
            for (i, row) in selected.enumerated() {
                items[i].jobID = ids[i]
                guard let id = ids[i] else { continue }
                instances.append(row.instance); dests.append(row.dest)
                routes.append(row.route); policies.append(row.policy); jobIDs.append(id)
            }
            // Every ledger row in one set-based statement: what dicom_gw.forward_record does per
            // instance (migration 0006) for a replay, whose stable delay is 0 (so its second
            // statement, delaying a study's jobs, has nothing to do). The selection holds each
            // (instance, destination) once, as the ledger's key does.
            if !instances.isEmpty {
                _ = try await connection.execute("""
                    INSERT INTO dicom_gw.deliveries AS d (instance_id, destination_id, route_id, state, archive_policy,
                                                          job_id, enqueued_at, settled)
                    SELECT t.instance, t.dest, nullif(t.route, 0), 'pending', t.policy, t.job, now(), false
                    FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[])
                         AS t(instance, dest, route, policy, job)
                    ON CONFLICT (instance_id, destination_id) DO UPDATE
                    SET state = 'pending', route_id = excluded.route_id, archive_policy = excluded.archive_policy,
                        job_id = coalesce(excluded.job_id, d.job_id), enqueued_at = now(), settled = false
                    """, [instances, dests, routes, policies, jobIDs])
            }
            try await Audit.record(actor, action: "forward.replay", objectType: study == nil ? "destination" : "study",
                                   objectID: study ?? destination ?? "", details: [
                                       "jobs": String(ids.compactMap { $0 }.count), "since": since.map { "\($0)" } ?? "",
                                       "to": to ?? "",
                                   ], on: connection)
        }
        return items
    }
}
