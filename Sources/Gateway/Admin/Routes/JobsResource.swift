import Foundation
import Hummingbird
import JobQueue
import PostgresClient

/// `/api/v1/jobs…`: the job queue as operators see it. Viewers list; operators retry
/// dead-lettered or cancelled jobs and cancel live ones, singly or in bulk (a list of ids).
struct JobsResource: AdminResource {
    let services: AdminServices

    static let liveStates = ["scheduled", "available", "running"]
    static let finishedStates = ["completed", "discarded", "cancelled"]

    struct Job: Codable, Sendable {
        let id: Int64
        let queue: String
        let lane: String
        let kind: String
        let state: String
        let attempt: Int32
        let maxAttempts: Int32?
        let priority: Int16
        let enqueuedAt: Date
        let runAt: Date?
        let startedAt: Date?
        let finishedAt: Date?
        let lastError: String?
        let payload: JSONValue

        enum CodingKeys: String, CodingKey {
            case id, queue, lane, kind, state, attempt, priority, payload
            case maxAttempts = "max_attempts"
            case enqueuedAt = "enqueued_at"
            case runAt = "run_at"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
            case lastError = "last_error"
        }
    }

    struct IDs: Decodable {
        let ids: [Int64]
        let reason: String?
    }

    struct Outcome: ResponseEncodable {
        let requested: Int
        let affected: [Int64]
    }

    static let liveSelect = """
        SELECT id, queue, lane, kind, state, attempt, max_attempts, priority, enqueued_at, run_at, started_at,
               NULL::timestamptz AS finished_at, last_error, payload::text AS payload
          FROM dicom_gw.jobs
        """
    static let historySelect = """
        SELECT id, queue, lane, kind, outcome AS state, attempt, max_attempts, priority, enqueued_at,
               NULL::timestamptz AS run_at, started_at, finished_at, last_error, payload::text AS payload
          FROM dicom_gw.job_history
        """

    func register(on routes: AdminRouteBuilder) {
        let pool = services.pool
        let jobQueue = JobQueue(pool: pool, logger: services.logger)
        let auditLog = services.auditLog

        routes.add(.get, "/api/v1/jobs", access: .role(.viewer)) { request, _ in
            var query = QueryReader(request)
            let state = query.choice("state", Self.liveStates + Self.finishedStates)
            let queue = query.string("queue", maxLength: 64)
            var lane = query.string("lane", maxLength: 128)
            let kind = query.string("kind", maxLength: 64)
            let destination = query.string("destination", maxLength: 64)
            let page = query.page()
            try query.finish()
            if let destination {
                // A destination's jobs are its lane's; an unknown name has none.
                guard let found = try await DestinationStore(pool: pool).find(name: destination),
                      lane == nil || lane == found.lane
                else { return PagedResponse<Job>(fetched: [], page: page) }
                lane = found.lane
            }
            let finished = state.map(Self.finishedStates.contains) ?? false
            let stateColumn = finished ? "outcome" : "state"
            let sql = (finished ? Self.historySelect : Self.liveSelect) + """
                 WHERE ($1::text IS NULL OR \(stateColumn) = $1::text) AND ($2::text IS NULL OR queue = $2::text)
                   AND ($3::text IS NULL OR lane = $3::text) AND ($4::text IS NULL OR kind = $4::text)
                 ORDER BY \(finished ? "finished_at DESC" : "enqueued_at"), id LIMIT $5 OFFSET $6
                """
            let rows = try await pool.query(sql, [state, queue, lane, kind, page.limit + 1, page.offset])
            return PagedResponse(fetched: try rows.map(Job.init(row:)), page: page)
        }

        routes.add(.get, "/api/v1/jobs/{id}", access: .role(.viewer)) { _, context in
            let id = try context.parameters.requireID("id")
            if let row = try await pool.query(Self.liveSelect + " WHERE id = $1", [id]).first {
                return try Job(row: row)
            }
            guard let row = try await pool.query(Self.historySelect + " WHERE id = $1 ORDER BY finished_at DESC LIMIT 1", [id]).first
            else { throw APIError.notFound("job") }
            return try Job(row: row)
        }

        routes.add(.post, "/api/v1/jobs/retry", access: .role(.operator)) { request, context in
            let body = try await Self.decodeIDs(request, context)
            let affected = try await jobQueue.retry(body.ids)
            try await auditLog.record(
                AuditEvent(actor: try context.auditActor(), action: AuditAction.jobRetried, objectType: "job",
                           objectID: Self.summary(affected), details: ["requested": .int(Int64(body.ids.count)), "retried": .int(Int64(affected.count))]))
            return Outcome(requested: body.ids.count, affected: affected)
        }

        routes.add(.post, "/api/v1/jobs/cancel", access: .role(.operator)) { request, context in
            let body = try await Self.decodeIDs(request, context)
            let affected = try await jobQueue.cancel(body.ids, reason: body.reason ?? "cancelled by \(try context.requirePrincipal().username)")
            try await auditLog.record(
                AuditEvent(actor: try context.auditActor(), action: AuditAction.jobCancelled, objectType: "job",
                           objectID: Self.summary(affected), details: ["requested": .int(Int64(body.ids.count)), "cancelled": .int(Int64(affected.count))]))
            return Outcome(requested: body.ids.count, affected: affected)
        }
    }

    static func decodeIDs(_ request: Request, _ context: AdminRequestContext) async throws -> IDs {
        let body = try await request.decode(as: IDs.self, context: context)
        var v = FieldValidator()
        v.check((1...1000).contains(body.ids.count), "ids", "list 1 to 1000 job ids")
        v.check(body.ids.allSatisfy { $0 > 0 }, "ids", "ids are positive")
        v.text(body.reason, "reason", maxLength: 500)
        try v.finish()
        return body
    }

    /// The ids acted on, for the audit row's object_id (capped: the count is in details).
    static func summary(_ ids: [Int64]) -> String {
        let shown = ids.prefix(20).map(String.init).joined(separator: ",")
        return ids.count > 20 ? shown + ",…" : shown
    }
}

extension JobsResource.Job: ResponseEncodable {}

extension JobsResource.Job {
    init(row: PostgresRow) throws {
        self.init(
            id: try row.decode(Int64.self, column: "id"),
            queue: try row.decode(String.self, column: "queue"),
            lane: try row.decode(String.self, column: "lane"),
            kind: try row.decode(String.self, column: "kind"),
            state: try row.decode(String.self, column: "state"),
            attempt: try row.decode(Int32.self, column: "attempt"),
            maxAttempts: try row.decode(Int32?.self, column: "max_attempts"),
            priority: try row.decode(Int16.self, column: "priority"),
            enqueuedAt: try row.decode(Date.self, column: "enqueued_at"),
            runAt: try row.decode(Date?.self, column: "run_at"),
            startedAt: try row.decode(Date?.self, column: "started_at"),
            finishedAt: try row.decode(Date?.self, column: "finished_at"),
            lastError: try row.decode(String?.self, column: "last_error"),
            payload: (try? JSONValue.parse(try row.decode(String.self, column: "payload"))) ?? .null)
    }
}
