import Foundation
import PostgresClient

extension RouteStore {
    /// The route with row id `id`, or nil.
    /// - Throws: `PostgresError`, ``ForwardError`` for a stored condition it cannot read.
    public func find(id: Int64) async throws -> Route? {
        try await list().first { $0.id == id }
    }

    /// Replaces the route with `route.id` in place (its id, and so its deliveries' link,
    /// stays), audited as `route.update`.
    /// - Throws: ``ForwardError`` (`invalidArgument`, `notFound` for an unknown route or
    ///   destination, `conflict` for a taken name), `PostgresError`.
    public func update(_ route: Route, actor: AuditActor) async throws {
        guard route.name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", options: .regularExpression) != nil else {
            throw ForwardError(.invalidArgument, "route name '\(route.name)' must be 1-64 of A-Z a-z 0-9 . _ -")
        }
        guard !route.destinations.isEmpty else { throw ForwardError(.invalidArgument, "a route needs at least one destination") }
        guard Route.archivePolicies.contains(route.archivePolicy) else {
            throw ForwardError(.invalidArgument, "archive policy must be one of \(Route.archivePolicies.joined(separator: ", "))")
        }
        guard route.stableSeconds >= 0 else { throw ForwardError(.invalidArgument, "the quiet period cannot be negative") }
        let conditions = try Self.encodeConditions(route.conditions)
        do {
            try await pool.withTransaction { connection in
                let n = try await connection.execute("""
                    UPDATE dicom_gw.routes SET name = $2, enabled = $3, priority = $4::int, conditions = $5::jsonb, mode = $6,
                        stable_seconds = $7::int, archive_policy = $8, description = $9, updated_at = now()
                    WHERE id = $1
                    """,
                    [route.id, route.name, route.enabled, route.priority, conditions, route.mode.description, route.stableSeconds,
                     route.archivePolicy, route.description])
                guard n == 1 else { throw ForwardError(.notFound, "no route with id \(route.id)") }
                _ = try await connection.execute("DELETE FROM dicom_gw.route_destinations WHERE route_id = $1", [route.id])
                let linked = try await connection.query("""
                    INSERT INTO dicom_gw.route_destinations (route_id, destination_id)
                    SELECT $1, d.id FROM dicom_gw.destinations d WHERE d.name = ANY ($2) RETURNING destination_id
                    """, [route.id, route.destinations])
                guard linked.count == Set(route.destinations).count else {
                    throw ForwardError(.notFound, "unknown destination among \(route.destinations.joined(separator: ", "))")
                }
                try await Audit.record(actor, action: "route.update", objectType: "route", objectID: route.name,
                                       details: ["conditions": conditions, "destinations": route.destinations.joined(separator: ","),
                                                 "mode": route.mode.description, "archive_policy": route.archivePolicy],
                                       on: connection)
            }
        } catch let error as PostgresError where error.code == .uniqueViolation {
            throw ForwardError(.conflict, "a route named '\(route.name)' already exists")
        }
    }
}
