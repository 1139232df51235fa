public import DICOM
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
    let routedTags: RoutedTagCache

    /// Hooks enqueueing on `queue`.
    /// - Parameter tagRefresh: how long the set of tags the routes name is reused before it is
    ///   read again (it is also refreshed by every receive transaction, which reads the routes).
    public init(queue: JobQueue, tagRefresh: Duration = .seconds(1)) {
        self.queue = queue
        self.routedTags = RoutedTagCache(maxAge: tagRefresh)
    }

    static let routedTagsSQL = PreparedStatement("SELECT conditions::text AS conditions FROM dicom_gw.routes WHERE enabled")

    /// The tags enabled routes name, so the receive path collects their values from the data
    /// set. A route added since the last refresh sees its tags from the next object on (at
    /// most `tagRefresh` later); until then such a tag reads as absent.
    public func extraTags() async -> Set<Tag> {
        if let tags = routedTags.current() { return tags }
        do {
            let rows = try await queue.pool.query(Self.routedTagsSQL)
            var conditions: [RouteCondition] = []
            for row in rows { conditions += try RouteStore.decodeConditions(try row.decode(String.self, column: "conditions")) }
            return routedTags.update(RoutedTagCache.tags(of: conditions))
        } catch {
            // Routing then sees the recorded attributes only; the next object tries again.
            return routedTags.last
        }
    }

    /// The routes with their destinations, read in the receive transaction's first round trip.
    public func prefetch() throws -> [PostgresStatement] {
        [try PostgresStatement(Self.routesSQL)]
    }

    public func instanceRecorded(
        _ record: InstanceRecord, extraValues: [Tag: String], outcome: RecordOutcome, prefetched: [PostgresRows],
        on connection: PostgresConnection
    ) async throws {
        let routes: PostgresRows
        if let rows = prefetched.first { routes = rows } else { routes = try await connection.query(Self.routesSQL) }
        try await enqueue(record, extraValues: extraValues, outcome: outcome, routes: routes, on: connection)
    }

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

    /// Enqueues the forward jobs of the routes (`routesSQL`'s rows) that match the instance.
    private func enqueue(
        _ record: InstanceRecord, extraValues: [Tag: String], outcome: RecordOutcome, routes rows: PostgresRows,
        on connection: PostgresConnection
    ) async throws {
        let attributes = RoutingAttributes(record: record, extraValues: extraValues)
        var targets: [Int64: Target] = [:]
        var order: [Int64] = []
        var named: [RouteCondition] = []
        for row in rows {
            var route = Route(name: try row.decode(String.self, column: "name"), destinations: [])
            route.conditions = try RouteStore.decodeConditions(try row.decode(String.self, column: "conditions"))
            named += route.conditions
            let destination = try row.decode(Int64.self, column: "destination_id")
            guard targets[destination] == nil else { continue }  // first route to a destination wins
            guard route.evaluate(attributes).matches else { continue }
            let stable = try row.decode(String.self, column: "mode") == Route.Mode.studyStable.description
            targets[destination] = Target(
                routeID: try row.decode(Int64.self, column: "route_id"),
                policy: try row.decode(String.self, column: "archive_policy"),
                stableMilliseconds: stable ? Int64(try row.decode(Int32.self, column: "stable_seconds")) * 1000 : 0)
            order.append(destination)
        }
        // The routes were read anyway: keep the receive path's tag set current for free.
        routedTags.update(RoutedTagCache.tags(of: named))
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

    /// The hook that gives an orphan file indexed by start-up recovery or `storage verify
    /// --repair` the forward jobs its receive would have created: the routes see the row's
    /// values and the file's top-level elements, read on the blocking pool.
    public func orphanIndexedHook(layout: StorageLayout, io: BlockingIO) -> OrphanIndexer.IndexedHook {
        { record, outcome, connection in
            let path = layout.absolute(record.filePath)
            let values = (try? await io.run { () throws(StorageError) -> [Tag: String] in
                (try? RoutingAttributes(file: path, callingAE: nil, calledAE: nil))?.values ?? [:]
            }) ?? [:]
            try await self.instanceRecorded(record, extraValues: values, outcome: outcome, prefetched: [], on: connection)
        }
    }

    private struct Target {
        var routeID: Int64
        var policy: String
        var stableMilliseconds: Int64
    }
}
