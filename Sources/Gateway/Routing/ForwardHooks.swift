import Foundation
public import JobQueue
public import PostgresClient
public import Storage

/// Routing in the receive transaction: evaluates the enabled routes against each stored or
/// replaced instance and enqueues one forward job per matching destination, with its row in
/// the delivery ledger, so the jobs commit (or vanish) with the instance.
public struct ForwardHooks: ReceiveHooks {
    /// The queue forward jobs go to.
    public static let queueName = "forward"
    /// The kind of forward jobs.
    public static let jobKind = "forward"

    let queue: JobQueue

    /// Hooks enqueueing on `queue`.
    public init(queue: JobQueue) { self.queue = queue }

    static let routesSQL = PreparedStatement("""
        SELECT r.id AS route_id, r.name, r.conditions::text AS conditions, r.mode, r.stable_seconds, r.archive_policy,
               d.id AS destination_id
        FROM dicom_gw.routes r
        JOIN dicom_gw.route_destinations rd ON rd.route_id = r.id
        JOIN dicom_gw.destinations d ON d.id = rd.destination_id
        WHERE r.enabled AND d.enabled
        ORDER BY r.priority, r.name, d.id
        """)

    static let recordSQL = PreparedStatement("SELECT dicom_gw.forward_record($1, $2, $3, $4, $5, $6, $7)")

    public func instanceRecorded(_ record: InstanceRecord, outcome: RecordOutcome, on connection: PostgresConnection) async throws {
        let attributes = RoutingAttributes(record: record)
        let rows = try await connection.query(Self.routesSQL)
        var targets: [Int64: Target] = [:]
        var order: [Int64] = []
        for row in rows {
            let destination = try row.decode(Int64.self, column: "destination_id")
            guard targets[destination] == nil else { continue }  // first route to a destination wins
            var route = Route(name: try row.decode(String.self, column: "name"), destinations: [])
            route.conditions = try RouteStore.decodeConditions(try row.decode(String.self, column: "conditions"))
            guard route.evaluate(attributes).matches else { continue }
            let stable = try row.decode(String.self, column: "mode") == Route.Mode.studyStable.description
            targets[destination] = Target(
                routeID: try row.decode(Int64.self, column: "route_id"),
                policy: try row.decode(String.self, column: "archive_policy"),
                stableMilliseconds: stable ? Int64(try row.decode(Int32.self, column: "stable_seconds")) * 1000 : 0)
            order.append(destination)
        }
        guard !order.isEmpty else { return }
        let payload = #"{"instance_id":\#(outcome.instanceID)}"#
        let jobs = order.map { id in
            NewJob(kind: Self.jobKind, lane: Destination.lane(for: id), payload: payload,
                   groupKey: "study:\(record.uids.study)", dedupeKey: "forward:\(id):\(record.uids.sop)",
                   delay: .milliseconds(targets[id]?.stableMilliseconds ?? 0))
        }
        let ids = try await queue.enqueue(jobs, into: Self.queueName, on: connection)
        _ = try await connection.query(Self.recordSQL, [
            outcome.instanceID, record.uids.study, order, order.map { targets[$0]?.routeID ?? 0 },
            order.map { targets[$0]?.policy ?? "keep" }, ids.map { $0 ?? 0 },
            order.map { targets[$0]?.stableMilliseconds ?? 0 },
        ])
    }

    private struct Target {
        var routeID: Int64
        var policy: String
        var stableMilliseconds: Int64
    }
}
