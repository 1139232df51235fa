import HTTPTypes
import Foundation
import PostgresClient

/// The read-only queries behind the console's overviews (what no store offers yet:
/// hourly counts, queue state per destination, dead letters with their objects). Every
/// change goes through the stores instead.
struct ConsoleQueries: Sendable {
    let pool: PostgresPool

    // MARK: Throughput

    /// Objects received and delivered in each of the last `hours` hours, oldest first.
    func hourlyCounts(hours: Int = 24) async throws -> [(hour: Date, received: Int, forwarded: Int)] {
        let received = try await pool.query(
            """
            SELECT date_trunc('hour', received_at) AS hour, count(*) AS n FROM dicom_gw.instances
             WHERE received_at >= date_trunc('hour', now()) - make_interval(hours => $1::int - 1) GROUP BY 1
            """, [hours])
        let forwarded = try await pool.query(
            """
            SELECT date_trunc('hour', delivered_at) AS hour, count(*) AS n FROM dicom_gw.deliveries
             WHERE state = 'delivered' AND delivered_at >= date_trunc('hour', now()) - make_interval(hours => $1::int - 1)
             GROUP BY 1
            """, [hours])
        let hoursRow = try await pool.query(
            "SELECT generate_series(date_trunc('hour', now()) - make_interval(hours => $1::int - 1), date_trunc('hour', now()), interval '1 hour') AS hour",
            [hours])
        func counts(_ rows: PostgresRows) throws -> [Date: Int] {
            var result: [Date: Int] = [:]
            for row in rows { result[try row.decode(Date.self, column: "hour")] = Int(try row.decode(Int64.self, column: "n")) }
            return result
        }
        let r = try counts(received)
        let f = try counts(forwarded)
        return try hoursRow.map { row in
            let hour = try row.decode(Date.self, column: "hour")
            return (hour, r[hour] ?? 0, f[hour] ?? 0)
        }
    }

    // MARK: Destinations and their queues

    /// A destination with its queue and health.
    struct DestinationState: Sendable {
        let id: Int64
        let name: String
        let aeTitle: String
        let host: String
        let port: Int
        let enabled: Bool
        let paused: Bool
        let source: String
        /// DICOM TLS, and whether the certificate must name the host.
        let tlsEnabled: Bool
        let tlsVerifyHostname: Bool
        let connectionFailures: Int
        let lastError: String?
        let lastConnectedAt: Date?
        /// The lane is paused (by an operator or the circuit breaker) until then.
        let lanePausedUntil: Date?
        let pauseReason: String?
        let waiting: Int
        let running: Int
        let oldestWaitSeconds: Double?
        let deadLetters: Int
        let failedLastDay: Int

        /// Paused by an operator or held by the circuit breaker.
        var isPaused: Bool { paused || lanePausedUntil != nil }
        /// Failing: connection failures in a row, or deliveries failed in the last day.
        var isFailing: Bool { connectionFailures > 0 || failedLastDay > 0 }
    }

    func destinationStates() async throws -> [DestinationState] {
        let deadLetters = try await pool.query(
            "SELECT lane, count(*) AS n FROM dicom_gw.job_dead_letters WHERE queue = 'forward' GROUP BY lane")
        var deadByLane: [String: Int] = [:]
        for row in deadLetters {
            deadByLane[try row.decode(String.self, column: "lane")] = Int(try row.decode(Int64.self, column: "n"))
        }
        let rows = try await pool.query(
            """
            SELECT d.id, d.name, d.ae_title::text AS ae_title, d.host, d.port, d.enabled, d.paused, d.source,
                   d.tls_enabled, d.tls_verify_hostname, d.connection_failures, d.last_error, d.last_connected_at,
                   CASE WHEN l.paused_until > now() THEN l.paused_until END AS lane_paused_until, l.pause_reason,
                   coalesce(q.waiting, 0) AS waiting, coalesce(q.running, 0) AS running,
                   extract(epoch FROM now() - q.oldest)::float8 AS oldest_wait_seconds,
                   (SELECT count(*) FROM dicom_gw.deliveries x
                     WHERE x.destination_id = d.id AND x.state = 'failed' AND x.last_attempt_at > now() - interval '1 day')
                       AS failed_last_day
              FROM dicom_gw.destinations d
              LEFT JOIN dicom_gw.job_lanes l ON l.lane = 'destination:' || d.id
              LEFT JOIN LATERAL (
                    SELECT count(*) FILTER (WHERE j.state <> 'running') AS waiting,
                           count(*) FILTER (WHERE j.state = 'running') AS running,
                           min(CASE WHEN j.state = 'available' THEN j.run_at ELSE j.enqueued_at END)
                               FILTER (WHERE j.state <> 'running') AS oldest
                      FROM dicom_gw.jobs j WHERE j.lane = 'destination:' || d.id) q ON true
             ORDER BY d.name
            """)
        return try rows.map { row in
            let id = try row.decode(Int64.self, column: "id")
            return DestinationState(
                id: id, name: try row.decode(String.self, column: "name"),
                aeTitle: try row.decode(String.self, column: "ae_title"), host: try row.decode(String.self, column: "host"),
                port: Int(try row.decode(Int32.self, column: "port")), enabled: try row.decode(Bool.self, column: "enabled"),
                paused: try row.decode(Bool.self, column: "paused"), source: try row.decode(String.self, column: "source"),
                tlsEnabled: try row.decode(Bool.self, column: "tls_enabled"),
                tlsVerifyHostname: try row.decode(Bool.self, column: "tls_verify_hostname"),
                connectionFailures: Int(try row.decode(Int32.self, column: "connection_failures")),
                lastError: try row.decode(String?.self, column: "last_error"),
                lastConnectedAt: try row.decode(Date?.self, column: "last_connected_at"),
                lanePausedUntil: try row.decode(Date?.self, column: "lane_paused_until"),
                pauseReason: try row.decode(String?.self, column: "pause_reason"),
                waiting: Int(try row.decode(Int64.self, column: "waiting")),
                running: Int(try row.decode(Int64.self, column: "running")),
                oldestWaitSeconds: try row.decode(Double?.self, column: "oldest_wait_seconds"),
                deadLetters: deadByLane[Destination.lane(for: id)] ?? 0,
                failedLastDay: Int(try row.decode(Int64.self, column: "failed_last_day")))
        }
    }

    // MARK: Jobs

    /// A job as the jobs page lists it.
    struct JobRow: Sendable {
        let id: Int64
        let queue: String
        let lane: String
        let state: String
        let attempt: Int
        let enqueuedAt: Date
        let runAt: Date?
        let finishedAt: Date?
        let lastError: String?
        let destination: String?
        let sopInstanceUID: String?
        let studyInstanceUID: String?
    }

    /// The job states the jobs page filters by: live ones from `jobs`, dead letters from
    /// `job_dead_letters`, the rest from `job_history`.
    static let liveStates = ["scheduled", "available", "running"]
    static let states = ["live", "scheduled", "available", "running", "failed", "cancelled", "completed"]

    static let instanceJoin = """
        LEFT JOIN dicom_gw.destinations d ON j.lane = 'destination:' || d.id
        LEFT JOIN dicom_gw.instances i
               ON i.id = CASE WHEN j.payload ->> 'instance_id' ~ '^[0-9]{1,18}$' THEN (j.payload ->> 'instance_id')::bigint END
        LEFT JOIN dicom_gw.studies s ON s.id = i.study_id
        """

    /// Jobs in `state` (see ``states``), optionally of one destination; `limit` of them after `offset`.
    func jobs(state: String, destinationID: Int64?, limit: Int, offset: Int) async throws -> [JobRow] {
        let lane = destinationID.map(Destination.lane(for:))
        let columns = "j.id, j.queue, j.lane, j.attempt, j.enqueued_at, j.last_error, d.name AS destination, i.sop_instance_uid::text AS sop, s.study_instance_uid::text AS study"
        let sql: String
        var parameters: [any PostgresEncodable] = [lane, limit, offset]
        switch state {
        case "failed":
            sql = """
                SELECT \(columns), 'failed' AS state, NULL::timestamptz AS run_at, j.finished_at
                  FROM dicom_gw.job_dead_letters j \(Self.instanceJoin)
                 WHERE ($1::text IS NULL OR j.lane = $1::text) ORDER BY j.finished_at DESC, j.id DESC LIMIT $2 OFFSET $3
                """
        case "cancelled", "completed":
            sql = """
                SELECT \(columns), j.outcome AS state, NULL::timestamptz AS run_at, j.finished_at
                  FROM dicom_gw.job_history j \(Self.instanceJoin)
                 WHERE j.outcome = $4::text AND ($1::text IS NULL OR j.lane = $1::text)
                   AND NOT EXISTS (SELECT 1 FROM dicom_gw.jobs live WHERE live.id = j.id)
                 ORDER BY j.finished_at DESC, j.id DESC LIMIT $2 OFFSET $3
                """
            parameters.append(state)
        default:
            let states = state == "live" ? Self.liveStates : [state]
            sql = """
                SELECT \(columns), j.state, j.run_at, NULL::timestamptz AS finished_at
                  FROM dicom_gw.jobs j \(Self.instanceJoin)
                 WHERE j.state = ANY($4::text[]) AND ($1::text IS NULL OR j.lane = $1::text)
                 ORDER BY j.enqueued_at, j.id LIMIT $2 OFFSET $3
                """
            parameters.append(states)
        }
        return try await pool.query(sql, parameters).map { row in
            JobRow(
                id: try row.decode(Int64.self, column: "id"), queue: try row.decode(String.self, column: "queue"),
                lane: try row.decode(String.self, column: "lane"), state: try row.decode(String.self, column: "state"),
                attempt: Int(try row.decode(Int32.self, column: "attempt")),
                enqueuedAt: try row.decode(Date.self, column: "enqueued_at"),
                runAt: try row.decode(Date?.self, column: "run_at"),
                finishedAt: try row.decode(Date?.self, column: "finished_at"),
                lastError: try row.decode(String?.self, column: "last_error"),
                destination: try row.decode(String?.self, column: "destination"),
                sopInstanceUID: try row.decode(String?.self, column: "sop"),
                studyInstanceUID: try row.decode(String?.self, column: "study"))
        }
    }

    // MARK: Studies

    /// Delivery state counts of one study per destination, from the delivery ledger.
    struct StudyDelivery: Sendable {
        let destination: String
        let pending: Int
        let delivered: Int
        let failed: Int
        let cancelled: Int
        let lastAttemptAt: Date?
        let lastError: String?
    }

    func studyDeliveries(studyID: Int64) async throws -> [StudyDelivery] {
        try await pool.query(
            """
            SELECT de.name,
                   count(*) FILTER (WHERE d.state = 'pending') AS pending,
                   count(*) FILTER (WHERE d.state = 'delivered') AS delivered,
                   count(*) FILTER (WHERE d.state = 'failed') AS failed,
                   count(*) FILTER (WHERE d.state = 'cancelled') AS cancelled,
                   max(d.last_attempt_at) AS last_attempt_at,
                   (array_agg(d.last_error ORDER BY d.last_attempt_at DESC NULLS LAST) FILTER (WHERE d.last_error IS NOT NULL))[1]
                       AS last_error
              FROM dicom_gw.deliveries d
              JOIN dicom_gw.instances i ON i.id = d.instance_id
              JOIN dicom_gw.destinations de ON de.id = d.destination_id
             WHERE i.study_id = $1
             GROUP BY de.name ORDER BY de.name
            """, [studyID]
        ).map { row in
            StudyDelivery(
                destination: try row.decode(String.self, column: "name"),
                pending: Int(try row.decode(Int64.self, column: "pending")),
                delivered: Int(try row.decode(Int64.self, column: "delivered")),
                failed: Int(try row.decode(Int64.self, column: "failed")),
                cancelled: Int(try row.decode(Int64.self, column: "cancelled")),
                lastAttemptAt: try row.decode(Date?.self, column: "last_attempt_at"),
                lastError: try row.decode(String?.self, column: "last_error"))
        }
    }

    /// Per instance and destination: the ledger state, for the study page's instance list.
    func instanceDeliveries(studyID: Int64) async throws -> [String: [(destination: String, state: String)]] {
        let rows = try await pool.query(
            """
            SELECT i.sop_instance_uid::text AS sop, de.name, d.state
              FROM dicom_gw.deliveries d
              JOIN dicom_gw.instances i ON i.id = d.instance_id
              JOIN dicom_gw.destinations de ON de.id = d.destination_id
             WHERE i.study_id = $1 ORDER BY de.name
            """, [studyID])
        var result: [String: [(destination: String, state: String)]] = [:]
        for row in rows {
            result[try row.decode(String.self, column: "sop"), default: []].append(
                (try row.decode(String.self, column: "name"), try row.decode(String.self, column: "state")))
        }
        return result
    }
}
