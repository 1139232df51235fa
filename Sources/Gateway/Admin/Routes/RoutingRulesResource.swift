import Foundation
import Hummingbird
import PostgresClient

/// `/api/v1/routes…`: routing rules (which received objects go to which destinations).
/// Viewers read, admins change. Configuration-file rules are read-only here.
///
/// Changes go through ``RouteStore``, the code path of `dicom-gw route …`; conditions take
/// the store's form, either the CLI's text (`"modality=CT"`, `"PatientID~AB.*"`,
/// `"AccessionNumber?"`, `"AccessionNumber!"`) or the stored JSON object
/// (`{"field": "modality", "equals": "CT"}`, `"regex"`, `"present"`).
struct RoutingRulesResource: AdminResource {
    let services: AdminServices

    /// A route as the API shows it.
    struct Body: ResponseEncodable, Sendable {
        struct Condition: Codable, Sendable {
            let field: String
            let equals: String?
            let regex: String?
            let present: Bool?
            let text: String

            init(_ condition: RouteCondition) {
                field = condition.field
                text = condition.description
                switch condition.test {
                case .equals(let v): (equals, regex, present) = (v, nil, nil)
                case .regex(let v): (equals, regex, present) = (nil, v, nil)
                case .present(let p): (equals, regex, present) = (nil, nil, p)
                }
            }
        }

        let id: Int64
        let name: String
        let enabled: Bool
        let priority: Int
        let conditions: [Condition]
        let mode: String
        let stableSeconds: Int
        let archivePolicy: String
        let source: String
        let description: String?
        let destinations: [String]

        enum CodingKeys: String, CodingKey {
            case id, name, enabled, priority, conditions, mode, source, description, destinations
            case stableSeconds = "stable_seconds"
            case archivePolicy = "archive_policy"
        }

        init(_ route: Route) {
            id = route.id
            name = route.name
            enabled = route.enabled
            priority = route.priority
            conditions = route.conditions.map(Condition.init)
            mode = route.mode.description
            stableSeconds = route.stableSeconds
            archivePolicy = route.archivePolicy
            source = route.source
            description = route.description
            destinations = route.destinations
        }
    }

    /// The body of POST and PUT (PUT replaces every field).
    struct Input: Decodable, Sendable {
        let name: String?
        let enabled: Bool?
        let priority: Int?
        let conditions: [JSONValue]?
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

        /// Checks every field, all errors at once, and builds the route.
        func route(id: Int64) throws -> Route {
            var v = FieldValidator()
            v.name(name)
            v.range(priority, "priority", -100_000...100_000)
            let parsedMode = mode.map { Route.Mode(name: $0) } ?? .immediate
            v.check(parsedMode != nil, "mode", "must be immediate or study_stable")
            v.range(stableSeconds, "stable_seconds", 0...604_800)
            if let archivePolicy {
                v.check(Route.archivePolicies.contains(archivePolicy), "archive_policy", "must be keep, archive or delete")
            }
            v.text(description, "description", maxLength: 1000)
            var parsed: [RouteCondition] = []
            let items = conditions ?? []
            v.check(items.count <= 64, "conditions", "at most 64 conditions")
            for (index, item) in items.prefix(64).enumerated() {
                do {
                    parsed.append(try Self.condition(item))
                } catch let error as ForwardError {
                    v.fail("conditions[\(index)]", error.message)
                } catch {
                    v.fail("conditions[\(index)]", "must be FIELD=VALUE, FIELD~REGEX, FIELD?, FIELD! or {\"field\", \"equals\"|\"regex\"|\"present\"}")
                }
            }
            if let destinations = v.required(destinations, "destinations") {
                v.check((1...64).contains(destinations.count), "destinations", "list 1 to 64 destination names")
                v.check(Set(destinations).count == destinations.count, "destinations", "must not repeat a name")
            }
            try v.finish()
            var route = Route(name: name ?? "", destinations: destinations ?? [])
            route.id = id
            route.enabled = enabled ?? true
            route.priority = priority ?? 100
            route.conditions = parsed
            route.mode = parsedMode ?? .immediate
            route.stableSeconds = route.mode == .studyStable ? (stableSeconds ?? 60) : 0
            route.archivePolicy = archivePolicy ?? "keep"
            route.description = description
            return route
        }

        static func condition(_ item: JSONValue) throws -> RouteCondition {
            switch item {
            case .string(let text) where text.utf8.count <= 1024:
                return try RouteCondition(parsing: text)
            case .object(let object):
                var json: [String: Any] = [:]
                for (key, value) in object {
                    switch value {
                    case .string(let s) where s.utf8.count <= 1024: json[key] = s
                    case .bool(let b): json[key] = b
                    default: throw ForwardError(.invalidArgument, "\(key) must be a string (a boolean for present)")
                    }
                }
                return try RouteCondition(json: json)
            default:
                throw ForwardError(.invalidArgument, "a condition is a string or an object")
            }
        }
    }

    func register(on routes: AdminRouteBuilder) {
        let store = RouteStore(pool: services.pool)

        routes.add(.get, "/api/v1/routes", access: .role(.viewer)) { request, _ in
            var query = QueryReader(request)
            let page = query.page(defaultLimit: 100)
            try query.finish()
            let all = try await store.list()
            return PagedResponse(fetched: all.dropFirst(page.offset).prefix(page.limit + 1).map(Body.init), page: page)
        }

        routes.add(.get, "/api/v1/routes/{id}", access: .role(.viewer)) { _, context in
            Body(try await Self.find(store, context))
        }

        routes.add(.post, "/api/v1/routes", access: .role(.admin)) { request, context in
            let route = try await request.decode(as: Input.self, context: context).route(id: 0)
            try await Self.namingDestinations { try await store.save(route, actor: try context.storeActor()) }
            guard let saved = try await store.list().first(where: { $0.name == route.name }) else { throw APIError.notFound("route") }
            return EditedResponse(status: .created, response: Body(saved))
        }

        routes.add(.put, "/api/v1/routes/{id}", access: .role(.admin)) { request, context in
            let existing = try await Self.find(store, context)
            let route = try await request.decode(as: Input.self, context: context).route(id: existing.id)
            try Self.requireOperatorManaged(existing)
            try await Self.namingDestinations { try await store.update(route, actor: try context.storeActor()) }
            return Body(try await Self.find(store, existing.id))
        }

        routes.add(.delete, "/api/v1/routes/{id}", access: .role(.admin)) { _, context in
            let existing = try await Self.find(store, context)
            try Self.requireOperatorManaged(existing)
            try await store.remove(name: existing.name, actor: try context.storeActor())
            return Response(status: .noContent)
        }

        RouteTestRoute(pool: services.pool, routes: store, storageRoot: services.storageRoot).register(on: routes)
    }

    static func find(_ store: RouteStore, _ context: AdminRequestContext) async throws -> Route {
        try await find(store, try context.parameters.requireID("id"))
    }

    static func find(_ store: RouteStore, _ id: Int64) async throws -> Route {
        guard let route = try await store.find(id: id) else { throw APIError.notFound("route") }
        return route
    }

    /// An unknown destination in the body is a field error (422), not a missing route.
    static func namingDestinations(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ForwardError where error.code == .notFound && error.message.contains("destination") {
            throw APIError.invalid("destinations", error.message)
        }
    }

    static func requireOperatorManaged(_ route: Route) throws {
        guard route.source == "operator" else {
            throw APIError.conflict("this route is managed by the configuration file; change it there")
        }
    }
}
