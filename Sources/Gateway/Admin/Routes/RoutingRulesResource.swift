import Foundation
import Hummingbird
import PostgresClient

/// `/api/v1/routes…`: routing rules (which received objects go to which destinations).
/// Viewers read, admins change. Configuration-file rules are read-only here.
struct RoutingRulesResource: AdminResource {
    let services: AdminServices

    /// The condition keys a rule may use (see `routes.conditions` in 0001).
    static let conditionKeys: Set<String> = ["calling_ae", "called_ae", "modality", "sop_class", "tags"]

    struct RoutingRule: ResponseEncodable, Sendable {
        let id: Int64
        let name: String
        let enabled: Bool
        let priority: Int32
        let conditions: JSONValue
        let mode: String
        let stableSeconds: Int32
        let archivePolicy: String
        let source: String
        let description: String?
        let destinations: [String]
        let createdAt: Date
        let updatedAt: Date

        enum CodingKeys: String, CodingKey {
            case id, name, enabled, priority, conditions, mode, source, description, destinations
            case stableSeconds = "stable_seconds"
            case archivePolicy = "archive_policy"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }
    }

    struct RoutingRuleInput: Decodable, Sendable {
        let name: String?
        let enabled: Bool?
        let priority: Int?
        let conditions: JSONValue?
        let mode: String?
        let stableSeconds: Int?
        let archivePolicy: String?
        let description: String?
        let destinations: [String]?

        enum CodingKeys: String, CodingKey {
            case name, enabled, priority, conditions, mode, description, destinations
            case stableSeconds = "stable_seconds"
            case archivePolicy = "archive_policy"
        }

        func validate() throws -> String {
            var v = FieldValidator()
            v.name(name)
            v.range(priority, "priority", -100_000...100_000)
            if let mode { v.check(["immediate", "study_stable"].contains(mode), "mode", "must be immediate or study_stable") }
            v.range(stableSeconds, "stable_seconds", 0...604_800)
            if let archivePolicy {
                v.check(["keep", "archive", "delete"].contains(archivePolicy), "archive_policy", "must be keep, archive or delete")
            }
            v.text(description, "description", maxLength: 1000)
            var conditionsJSON = "{}"
            switch conditions {
            case nil: break
            case .object(let object)?:
                for (key, value) in object {
                    guard RoutingRulesResource.conditionKeys.contains(key) else {
                        v.fail("conditions.\(key)", "unknown condition; use \(RoutingRulesResource.conditionKeys.sorted().joined(separator: ", "))")
                        continue
                    }
                    if key == "tags" {
                        guard case .object(let tags) = value, tags.values.allSatisfy(Self.isStringOrStrings) else {
                            v.fail("conditions.tags", "must be an object of tag → string or list of strings")
                            continue
                        }
                    } else if !Self.isStringOrStrings(value) {
                        v.fail("conditions.\(key)", "must be a string or a list of strings")
                    }
                }
                if let text = try? conditions?.jsonText() {
                    v.check(text.utf8.count <= 16_384, "conditions", "at most 16 KiB")
                    conditionsJSON = text
                }
            case _?:
                v.fail("conditions", "must be an object")
            }
            if let destinations = v.required(destinations, "destinations") {
                v.check((1...64).contains(destinations.count), "destinations", "list 1 to 64 destination names")
                v.check(Set(destinations).count == destinations.count, "destinations", "must not repeat a name")
            }
            try v.finish()
            return conditionsJSON
        }

        static func isStringOrStrings(_ value: JSONValue) -> Bool {
            switch value {
            case .string(let s): return s.count <= 256
            case .array(let items):
                return items.count <= 256 && items.allSatisfy { if case .string(let s) = $0 { return s.count <= 256 } else { return false } }
            default: return false
            }
        }
    }

    static let select = """
        SELECT r.id, r.name, r.enabled, r.priority, r.conditions::text AS conditions, r.mode, r.stable_seconds,
               r.archive_policy, r.source, r.description, r.created_at, r.updated_at,
               coalesce((SELECT array_agg(d.name ORDER BY d.name) FROM dicom_gw.route_destinations rd
                           JOIN dicom_gw.destinations d ON d.id = rd.destination_id WHERE rd.route_id = r.id), '{}') AS destinations
          FROM dicom_gw.routes r
        """

    func register(on routes: AdminRouteBuilder) {
        let pool = services.pool

        routes.add(.get, "/api/v1/routes", access: .role(.viewer)) { request, _ in
            var query = QueryReader(request)
            let page = query.page(defaultLimit: 100)
            try query.finish()
            let rows = try await pool.query(
                Self.select + " ORDER BY r.priority, r.name LIMIT $1 OFFSET $2", [page.limit + 1, page.offset])
            return PagedResponse(fetched: try rows.map(RoutingRule.init(row:)), page: page)
        }

        routes.add(.get, "/api/v1/routes/{id}", access: .role(.viewer)) { _, context in
            let id = try context.parameters.requireID("id")
            guard let row = try await pool.query(Self.select + " WHERE r.id = $1", [id]).first else {
                throw APIError.notFound("route")
            }
            return try RoutingRule(row: row)
        }

        routes.add(.post, "/api/v1/routes", access: .role(.admin)) { request, context in
            let input = try await request.decode(as: RoutingRuleInput.self, context: context)
            let conditions = try input.validate()
            let actor = try context.auditActor()
            let rule = try await Self.save(pool, id: nil, input, conditions: conditions, actor: actor)
            return EditedResponse(status: .created, response: rule)
        }

        routes.add(.put, "/api/v1/routes/{id}", access: .role(.admin)) { request, context in
            let id = try context.parameters.requireID("id")
            let input = try await request.decode(as: RoutingRuleInput.self, context: context)
            let conditions = try input.validate()
            return try await Self.save(pool, id: id, input, conditions: conditions, actor: try context.auditActor())
        }

        routes.add(.delete, "/api/v1/routes/{id}", access: .role(.admin)) { _, context in
            let id = try context.parameters.requireID("id")
            let actor = try context.auditActor()
            try await pool.withTransaction { connection in
                try await Self.requireOperatorManaged(connection, id)
                let rows = try await connection.query("DELETE FROM dicom_gw.routes WHERE id = $1 RETURNING name", [id])
                guard let row = rows.first else { throw APIError.notFound("route") }
                try await AuditLog.record(
                    AuditEvent(actor: actor, action: AuditAction.routeDeleted, objectType: "route",
                               objectID: try row.decode(String.self, column: "name")),
                    on: connection)
            }
            return Response(status: .noContent)
        }
    }

    static func save(
        _ pool: PostgresPool, id: Int64?, _ input: RoutingRuleInput, conditions: String, actor: AuditEvent.Actor
    ) async throws -> RoutingRule {
        let names = input.destinations ?? []
        do {
            return try await pool.withTransaction { connection in
                let destinationIDs = try await connection.query(
                    "SELECT id, name FROM dicom_gw.destinations WHERE name = ANY($1::text[])", [names])
                let found = try destinationIDs.map { try $0.decode(String.self, column: "name") }
                let missing = names.filter { !found.contains($0) }
                guard missing.isEmpty else {
                    throw APIError.invalid("destinations", "no destination named \(missing.joined(separator: ", "))")
                }
                let ids = try destinationIDs.map { try $0.decode(Int64.self, column: "id") }
                let values: [any PostgresEncodable] = [
                    input.name, input.enabled ?? true, input.priority ?? 100, conditions, input.mode ?? "immediate",
                    input.stableSeconds ?? 0, input.archivePolicy ?? "keep", input.description,
                ]
                let routeID: Int64
                if let id {
                    try await requireOperatorManaged(connection, id)
                    try await connection.execute(
                        """
                        UPDATE dicom_gw.routes SET name = $1::text, enabled = $2::bool, priority = $3::int,
                               conditions = $4::jsonb, mode = $5::text, stable_seconds = $6::int, archive_policy = $7::text,
                               description = $8::text, updated_at = now()
                         WHERE id = $9
                        """, values + [id])
                    try await connection.execute("DELETE FROM dicom_gw.route_destinations WHERE route_id = $1", [id])
                    routeID = id
                } else {
                    let rows = try await connection.query(
                        """
                        INSERT INTO dicom_gw.routes (name, enabled, priority, conditions, mode, stable_seconds, archive_policy, description)
                        VALUES ($1::text, $2::bool, $3::int, $4::jsonb, $5::text, $6::int, $7::text, $8::text) RETURNING id
                        """, values)
                    guard let row = rows.first else { throw APIError.notFound("route") }
                    routeID = try row.decode(Int64.self, column: "id")
                }
                try await connection.execute(
                    "INSERT INTO dicom_gw.route_destinations (route_id, destination_id) SELECT $1, unnest($2::bigint[])",
                    [routeID, ids])
                guard let row = try await connection.query(select + " WHERE r.id = $1", [routeID]).first else {
                    throw APIError.notFound("route")
                }
                let rule = try RoutingRule(row: row)
                try await AuditLog.record(
                    AuditEvent(
                        actor: actor, action: id == nil ? AuditAction.routeCreated : AuditAction.routeUpdated,
                        objectType: "route", objectID: rule.name,
                        details: ["destinations": .string(rule.destinations.joined(separator: ",")), "enabled": .bool(rule.enabled)]),
                    on: connection)
                return rule
            }
        } catch let error as PostgresError where error.code == .uniqueViolation {
            throw APIError.conflict("a route named \(input.name ?? "") already exists")
        }
    }

    static func requireOperatorManaged(_ connection: PostgresConnection, _ id: Int64) async throws {
        guard let row = try await connection.query("SELECT source FROM dicom_gw.routes WHERE id = $1 FOR UPDATE", [id]).first
        else { throw APIError.notFound("route") }
        guard try row.decode(String.self, column: "source") == "operator" else {
            throw APIError.conflict("this route is managed by the configuration file; change it there")
        }
    }
}

extension RoutingRulesResource.RoutingRule {
    init(row: PostgresRow) throws {
        self.init(
            id: try row.decode(Int64.self, column: "id"),
            name: try row.decode(String.self, column: "name"),
            enabled: try row.decode(Bool.self, column: "enabled"),
            priority: try row.decode(Int32.self, column: "priority"),
            conditions: (try? JSONValue.parse(try row.decode(String.self, column: "conditions"))) ?? .object([:]),
            mode: try row.decode(String.self, column: "mode"),
            stableSeconds: try row.decode(Int32.self, column: "stable_seconds"),
            archivePolicy: try row.decode(String.self, column: "archive_policy"),
            source: try row.decode(String.self, column: "source"),
            description: try row.decode(String?.self, column: "description"),
            destinations: try row.decode([String].self, column: "destinations"),
            createdAt: try row.decode(Date.self, column: "created_at"),
            updatedAt: try row.decode(Date.self, column: "updated_at"))
    }
}
