import Foundation
public import PostgresClient

/// SQL access to `dicom_gw.routes` and `route_destinations`.
public struct RouteStore: Sendable {
    let pool: PostgresPool

    /// A store over `pool`.
    public init(pool: PostgresPool) { self.pool = pool }

    static let selectSQL = """
        SELECT r.id, r.name, r.enabled, r.priority, r.conditions::text AS conditions, r.mode, r.stable_seconds,
               r.archive_policy, r.source, r.description,
               coalesce(array_agg(d.name ORDER BY d.name) FILTER (WHERE d.name IS NOT NULL), '{}') AS destinations,
               coalesce(array_agg(d.id ORDER BY d.name) FILTER (WHERE d.id IS NOT NULL), '{}') AS destination_ids
        FROM dicom_gw.routes r
        LEFT JOIN dicom_gw.route_destinations rd ON rd.route_id = r.id
        LEFT JOIN dicom_gw.destinations d ON d.id = rd.destination_id
        """

    /// All routes, by priority then name.
    /// - Throws: `PostgresError`, ``ForwardError`` for a stored condition it cannot read.
    public func list() async throws -> [Route] {
        try await pool.withConnection { try await Self.list(on: $0).map(\.route) }
    }

    /// Routes with their destinations' row ids, on `connection` (the receive transaction).
    static func list(on connection: PostgresConnection, enabledOnly: Bool = false) async throws -> [(route: Route, destinationIDs: [Int64])] {
        let filter = enabledOnly ? "WHERE r.enabled" : ""
        let rows = try await connection.query("\(selectSQL) \(filter) GROUP BY r.id ORDER BY r.priority, r.name")
        return try rows.map { row in
            var route = Route(name: try row.decode(String.self, column: "name"),
                              destinations: try row.decode([String].self, column: "destinations"))
            route.id = try row.decode(Int64.self, column: "id")
            route.enabled = try row.decode(Bool.self, column: "enabled")
            route.priority = Int(try row.decode(Int32.self, column: "priority"))
            route.conditions = try Self.decodeConditions(try row.decode(String.self, column: "conditions"))
            route.mode = Route.Mode(name: try row.decode(String.self, column: "mode")) ?? .immediate
            route.stableSeconds = Int(try row.decode(Int32.self, column: "stable_seconds"))
            route.archivePolicy = try row.decode(String.self, column: "archive_policy")
            route.source = try row.decode(String.self, column: "source")
            route.description = try row.decode(String?.self, column: "description")
            return (route, try row.decode([Int64].self, column: "destination_ids"))
        }
    }

    /// Stores a new route (or replaces the one of that name when `upsert`).
    /// - Throws: ``ForwardError`` (`invalidArgument`, `notFound` for an unknown destination,
    ///   `conflict` for a taken name), `PostgresError`.
    public func save(_ route: Route, actor: AuditActor, upsert: Bool = false) async throws {
        do {
            try await pool.withTransaction { connection in
                try await Self.save(route, actor: actor, upsert: upsert, on: connection)
            }
        } catch let error as PostgresError where error.code == .uniqueViolation {
            throw ForwardError(.conflict, "a route named '\(route.name)' already exists")
        }
    }

    /// ``save(_:actor:upsert:)`` in the caller's transaction (the config sync).
    /// - Throws: ``ForwardError`` (`invalidArgument`, `notFound` for an unknown destination),
    ///   `PostgresError`.
    static func save(_ route: Route, actor: AuditActor, upsert: Bool, on connection: PostgresConnection) async throws {
        try validate(route)
        let conditions = try encodeConditions(route.conditions)
        if upsert {
            _ = try await connection.execute("DELETE FROM dicom_gw.routes WHERE name = $1", [route.name])
        }
        let rows = try await connection.query("""
            INSERT INTO dicom_gw.routes (name, enabled, priority, conditions, mode, stable_seconds, archive_policy, source, description)
            VALUES ($1, $2, $3::int, $4::jsonb, $5, $6::int, $7, $8, $9) RETURNING id
            """,
            [route.name, route.enabled, route.priority, conditions, route.mode.description, route.stableSeconds,
             route.archivePolicy, route.source, route.description])
        guard let id = try rows.first?.decode(Int64.self, column: "id") else { return }
        let linked = try await connection.query("""
            INSERT INTO dicom_gw.route_destinations (route_id, destination_id)
            SELECT $1, d.id FROM dicom_gw.destinations d WHERE d.name = ANY ($2) RETURNING destination_id
            """, [id, route.destinations])
        guard linked.count == Set(route.destinations).count else {
            throw ForwardError(.notFound, "unknown destination among \(route.destinations.joined(separator: ", "))")
        }
        try await Audit.record(actor, action: upsert ? "route.sync" : "route.add", objectType: "route", objectID: route.name,
                               details: ["conditions": conditions, "destinations": route.destinations.joined(separator: ","),
                                         "mode": route.mode.description, "archive_policy": route.archivePolicy],
                               on: connection)
    }

    static func validate(_ route: Route) throws {
        guard route.name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", options: .regularExpression) != nil else {
            throw ForwardError(.invalidArgument, "route name '\(route.name)' must be 1-64 of A-Z a-z 0-9 . _ -")
        }
        guard !route.destinations.isEmpty else { throw ForwardError(.invalidArgument, "a route needs at least one destination (--to)") }
        guard Route.archivePolicies.contains(route.archivePolicy) else {
            throw ForwardError(.invalidArgument, "archive policy must be one of \(Route.archivePolicies.joined(separator: ", "))")
        }
        guard route.stableSeconds >= 0 else { throw ForwardError(.invalidArgument, "the quiet period cannot be negative") }
    }

    /// Removes the route named `name`. Jobs it already made stay.
    /// - Throws: ``ForwardError`` `notFound`, `PostgresError`.
    public func remove(name: String, actor: AuditActor) async throws {
        try await pool.withTransaction { connection in
            try await Self.remove(name: name, actor: actor, on: connection)
        }
    }

    /// ``remove(name:actor:)`` in the caller's transaction (the config sync).
    /// - Throws: ``ForwardError`` `notFound`, `PostgresError`.
    static func remove(name: String, actor: AuditActor, on connection: PostgresConnection) async throws {
        let n = try await connection.execute("DELETE FROM dicom_gw.routes WHERE name = $1", [name])
        guard n == 1 else { throw ForwardError(.notFound, "no route named '\(name)'") }
        try await Audit.record(actor, action: "route.remove", objectType: "route", objectID: name, details: [:], on: connection)
    }

    static func encodeConditions(_ conditions: [RouteCondition]) throws -> String {
        let object: [String: Any] = ["all": conditions.map(\.json)]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func decodeConditions(_ text: String) throws -> [RouteCondition] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw ForwardError(.invalidArgument, "route conditions are not a JSON object")
        }
        guard let all = object["all"] as? [[String: Any]] else { return [] }
        return try all.map(RouteCondition.init(json:))
    }
}
