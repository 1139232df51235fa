import Foundation
import PostgresClient

extension JobQueue {
    /// Depth and oldest wait of one queue, lane and state (a row of `dicom_gw.job_depth`).
    public struct Depth: Sendable, Hashable {
        /// The queue.
        public var queue: String
        /// The lane.
        public var lane: String
        /// `scheduled`, `available` or `running`.
        public var state: String
        /// How many jobs.
        public var jobs: Int64
        /// How long the oldest has been runnable (available) or enqueued (other states).
        public var oldestWait: Duration
        /// Whether the lane is paused now.
        public var lanePaused: Bool
    }

    /// The queue's depth per queue, lane and state, for metrics.
    /// - Throws: `PostgresError`.
    public func depth() async throws -> [Depth] {
        let rows = try await pool.query("""
            SELECT queue, lane, state, jobs, extract(epoch FROM oldest_wait)::float8 AS oldest_wait_s, lane_paused
            FROM dicom_gw.job_depth ORDER BY queue, lane, state
            """)
        return try rows.map { row in
            Depth(
                queue: try row.decode(String.self, column: "queue"),
                lane: try row.decode(String.self, column: "lane"),
                state: try row.decode(String.self, column: "state"),
                jobs: try row.decode(Int64.self, column: "jobs"),
                oldestWait: .seconds(max(0, try row.decode(Double.self, column: "oldest_wait_s"))),
                lanePaused: try row.decode(Bool.self, column: "lane_paused"))
        }
    }

    /// Totals of rare events since `since` hours ago, for metrics.
    public struct EventCounts: Sendable, Hashable {
        /// Reports of superseded attempts, rejected.
        public var staleCompletions: Int64
        /// Jobs returned (or discarded) by the rescuer.
        public var rescues: Int64
    }

    /// Stale completions and rescues over the last `hours` whole hours (database clock).
    /// - Throws: `PostgresError`.
    public func eventCounts(hours: Int = 24) async throws -> EventCounts {
        let rows = try await pool.query("""
            SELECT coalesce(sum(stale_completions), 0)::bigint AS stale, coalesce(sum(rescues), 0)::bigint AS rescues
            FROM dicom_gw.job_events_hourly WHERE hour > now() - make_interval(hours => $1)
            """, [Int32(clamping: hours)])
        guard let row = rows.first else { return EventCounts(staleCompletions: 0, rescues: 0) }
        return EventCounts(
            staleCompletions: try row.decode(Int64.self, column: "stale"),
            rescues: try row.decode(Int64.self, column: "rescues"))
    }
}

extension JobQueue {
    /// A count per queue, lane and one more key (an outcome or an error kind).
    public struct KeyedCount: Sendable, Hashable {
        /// The queue.
        public var queue: String
        /// The lane.
        public var lane: String
        /// The outcome (`completed`, `discarded`, `cancelled`) or error kind.
        public var key: String
        /// How many.
        public var count: Int64
    }

    /// Jobs finished in the last hour per queue, lane and outcome (`dicom_gw.job_finished_last_hour`).
    /// - Throws: `PostgresError`.
    public func finishedLastHour() async throws -> [KeyedCount] {
        try await keyedCounts("SELECT queue, lane, outcome AS key, jobs AS n FROM dicom_gw.job_finished_last_hour")
    }

    /// Failed attempts in the last hour per queue, lane and error kind
    /// (`dicom_gw.job_failures_last_hour`).
    /// - Throws: `PostgresError`.
    public func failuresLastHour() async throws -> [KeyedCount] {
        try await keyedCounts(
            "SELECT queue, lane, coalesce(error_kind, '') AS key, failures AS n FROM dicom_gw.job_failures_last_hour")
    }

    private func keyedCounts(_ sql: String) async throws -> [KeyedCount] {
        try await pool.query(sql).map { row in
            KeyedCount(
                queue: try row.decode(String.self, column: "queue"),
                lane: try row.decode(String.self, column: "lane"),
                key: try row.decode(String.self, column: "key"),
                count: try row.decode(Int64.self, column: "n"))
        }
    }
}
