import PostgresClient

extension DestinationStore {
    /// The destinations the configuration file once declared (`source = 'config'`) and no
    /// longer does, by name, locked (`FOR UPDATE`) in the caller's transaction: a receive
    /// transaction recording a delivery to one of them takes a key share lock on its row (the
    /// foreign key), so none is added before ``dropUndeclared(_:actor:on:)`` counts them.
    /// - Throws: `PostgresError`.
    static func undeclaredConfig(declared: [String], on connection: PostgresConnection) async throws -> [(id: Int64, name: String)] {
        try await connection.query("""
            SELECT id, name FROM dicom_gw.destinations
            WHERE source = 'config' AND NOT (name = ANY ($1)) ORDER BY name FOR UPDATE
            """, [declared]).map { (id: try $0.decode(Int64.self, column: "id"), name: try $0.decode(String.self, column: "name")) }
    }

    /// Takes out `candidates` (from ``undeclaredConfig(declared:on:)``), in the caller's
    /// transaction (the config sync, after undeclared config routes are gone). Rows made with
    /// the CLI or the API are never among them.
    ///
    /// One with no live job, no delivery record and no route left is removed as
    /// `dicom-gw destination remove` does (audited `destination.remove`). Any other is
    /// retired (see ``RetiredDestination``): removing it would cancel its jobs, erase the
    /// record of what was delivered, or fail on a route's reference, none of which deleting a
    /// line of the file should do silently. Audited `destination.retire`.
    /// - Returns: the names removed and the destinations retired, by name.
    /// - Throws: `PostgresError`.
    static func dropUndeclared(
        _ candidates: [(id: Int64, name: String)], actor: AuditActor, on connection: PostgresConnection
    ) async throws -> (removed: [String], retired: [RetiredDestination]) {
        // The rows are locked (undeclaredConfig), and each count below runs in a fresh
        // snapshot, after the lock.
        var removed: [String] = []
        var retired: [RetiredDestination] = []
        for candidate in candidates {
            let row = try await connection.query("""
                SELECT (SELECT count(*) FROM dicom_gw.jobs WHERE lane = $2) AS live_jobs,
                       (SELECT count(*) FROM dicom_gw.deliveries WHERE destination_id = $1) AS deliveries,
                       coalesce((SELECT array_agg(r.name ORDER BY r.name) FROM dicom_gw.route_destinations rd
                                 JOIN dicom_gw.routes r ON r.id = rd.route_id WHERE rd.destination_id = $1), '{}') AS routes
                """, [candidate.id, Destination.lane(for: candidate.id)]).first
            let liveJobs = Int(try row?.decode(Int64.self, column: "live_jobs") ?? 0)
            let deliveries = Int(try row?.decode(Int64.self, column: "deliveries") ?? 0)
            let routes = try row?.decode([String].self, column: "routes") ?? []
            if liveJobs == 0, deliveries == 0, routes.isEmpty {
                try await remove(name: candidate.name, actor: actor, on: connection)
                removed.append(candidate.name)
                continue
            }
            let updated = try await connection.query("""
                UPDATE dicom_gw.destinations SET enabled = false, paused = true, source = 'operator', updated_at = now()
                WHERE id = $1 RETURNING \(columns)
                """, [candidate.id])
            guard let stored = try updated.first.map(decode) else { continue }
            try await configureLane(stored, on: connection)
            let retirement = RetiredDestination(name: candidate.name, liveJobs: liveJobs, deliveries: deliveries, routes: routes)
            var details = stored.auditDetails
            details["reason"] = "no longer declared in the configuration file"
            details["live_jobs"] = String(liveJobs)
            details["deliveries"] = String(deliveries)
            details["routes"] = routes.joined(separator: ",")
            try await Audit.record(actor, action: AuditAction.destinationRetired, objectType: "destination", objectID: candidate.name,
                                   details: details, on: connection)
            retired.append(retirement)
        }
        return (removed, retired)
    }
}
