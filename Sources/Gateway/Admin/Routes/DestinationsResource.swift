import Foundation
import Hummingbird
import PostgresClient

/// `/api/v1/destinations…`: the remote DICOM nodes objects are forwarded to. Viewers read,
/// operators change. Rows managed by the configuration file (`source = 'config'`) are
/// read-only here: the file wins at the next start.
///
/// Every change goes through ``DestinationStore``, the code path of `dicom-gw destination …`:
/// the same validation, the same job-lane policy (running limit, attempts, backoff, pause)
/// and the same audit events, so the API and the CLI cannot drift apart.
struct DestinationsResource: AdminResource {
    let services: AdminServices

    /// A destination as the API shows it.
    struct Body: ResponseEncodable, Sendable {
        let id: Int64
        let name: String
        let aeTitle: String
        let host: String
        let port: Int
        let callingAETitle: String?
        let tlsEnabled: Bool
        let tlsVerifyHostname: Bool
        let tlsCAFile: String?
        let tlsCertificateFile: String?
        let tlsKeyFile: String?
        let maxAssociations: Int
        let maxObjectsPerAssociation: Int
        let maxAttempts: Int
        let retryInitialDelaySeconds: Double
        let retryMaxDelaySeconds: Double
        let breakerThreshold: Int
        let breakerPauseSeconds: Double
        let enabled: Bool
        let paused: Bool
        let source: String
        let description: String?

        enum CodingKeys: String, CodingKey {
            case id, name, host, port, enabled, paused, source, description
            case aeTitle = "ae_title"
            case callingAETitle = "calling_ae_title"
            case tlsEnabled = "tls_enabled"
            case tlsVerifyHostname = "tls_verify_hostname"
            case tlsCAFile = "tls_ca_file"
            case tlsCertificateFile = "tls_certificate_file"
            case tlsKeyFile = "tls_key_file"
            case maxAssociations = "max_associations"
            case maxObjectsPerAssociation = "max_objects_per_association"
            case maxAttempts = "max_attempts"
            case retryInitialDelaySeconds = "retry_initial_delay_seconds"
            case retryMaxDelaySeconds = "retry_max_delay_seconds"
            case breakerThreshold = "breaker_threshold"
            case breakerPauseSeconds = "breaker_pause_seconds"
        }

        init(_ d: Destination) {
            id = d.id
            name = d.name
            aeTitle = d.aeTitle
            host = d.host
            port = d.port
            callingAETitle = d.callingAETitle
            tlsEnabled = d.tlsEnabled
            tlsVerifyHostname = d.tlsVerifyHostname
            tlsCAFile = d.tlsCAFile
            tlsCertificateFile = d.tlsCertificateFile
            tlsKeyFile = d.tlsKeyFile
            maxAssociations = d.maxAssociations
            maxObjectsPerAssociation = d.maxObjectsPerAssociation
            maxAttempts = d.maxAttempts
            retryInitialDelaySeconds = d.retryInitialDelay
            retryMaxDelaySeconds = d.retryMaxDelay
            breakerThreshold = d.breakerThreshold
            breakerPauseSeconds = d.breakerPause
            enabled = d.enabled
            paused = d.paused
            source = d.source
            description = d.description
        }
    }

    /// The body of POST and PUT; PUT replaces every field (omitted ones take their defaults),
    /// except `paused`, which only pause and resume change.
    struct Input: Decodable, Sendable {
        let name: String?
        let aeTitle: String?
        let host: String?
        let port: Int?
        let callingAETitle: String?
        let tlsEnabled: Bool?
        let tlsVerifyHostname: Bool?
        let tlsCAFile: String?
        let tlsCertificateFile: String?
        let tlsKeyFile: String?
        let maxAssociations: Int?
        let maxObjectsPerAssociation: Int?
        let maxAttempts: Int?
        let retryInitialDelaySeconds: Double?
        let retryMaxDelaySeconds: Double?
        let breakerThreshold: Int?
        let breakerPauseSeconds: Double?
        let enabled: Bool?
        let description: String?

        enum CodingKeys: String, CodingKey {
            case name, host, port, enabled, description
            case aeTitle = "ae_title"
            case callingAETitle = "calling_ae_title"
            case tlsEnabled = "tls_enabled"
            case tlsVerifyHostname = "tls_verify_hostname"
            case tlsCAFile = "tls_ca_file"
            case tlsCertificateFile = "tls_certificate_file"
            case tlsKeyFile = "tls_key_file"
            case maxAssociations = "max_associations"
            case maxObjectsPerAssociation = "max_objects_per_association"
            case maxAttempts = "max_attempts"
            case retryInitialDelaySeconds = "retry_initial_delay_seconds"
            case retryMaxDelaySeconds = "retry_max_delay_seconds"
            case breakerThreshold = "breaker_threshold"
            case breakerPauseSeconds = "breaker_pause_seconds"
        }

        /// Field-by-field checks, all reported at once (the store then checks again, as for the CLI).
        func validate() throws {
            var v = FieldValidator()
            v.name(name)
            v.aeTitle(aeTitle, "ae_title", required: true)
            v.aeTitle(callingAETitle, "calling_ae_title", required: false)
            if let host = v.required(host, "host") {
                let valid = (1...253).contains(host.utf8.count)
                    && host.unicodeScalars.allSatisfy {
                        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || ".-:".unicodeScalars.contains($0)
                    }
                v.check(valid, "host", "a host name or IP address")
            }
            v.range(v.required(port, "port"), "port", 1...65535)
            v.path(tlsCAFile, "tls_ca_file")
            v.path(tlsCertificateFile, "tls_certificate_file")
            v.path(tlsKeyFile, "tls_key_file")
            v.check((tlsCertificateFile == nil) == (tlsKeyFile == nil), "tls_key_file", "give both tls_certificate_file and tls_key_file, or neither")
            v.range(maxAssociations, "max_associations", 1...64)
            v.range(maxObjectsPerAssociation, "max_objects_per_association", 1...100_000)
            v.range(maxAttempts, "max_attempts", 1...1000)
            v.range(retryInitialDelaySeconds, "retry_initial_delay_seconds", 1...86_400)
            v.range(retryMaxDelaySeconds, "retry_max_delay_seconds", 1...(7 * 86_400))
            v.check(
                (retryMaxDelaySeconds ?? 3600) >= (retryInitialDelaySeconds ?? 10), "retry_max_delay_seconds",
                "must not be less than retry_initial_delay_seconds")
            v.range(breakerThreshold, "breaker_threshold", 1...1000)
            v.range(breakerPauseSeconds, "breaker_pause_seconds", 1...86_400)
            v.text(description, "description", maxLength: 1000)
            try v.finish()
        }

        /// The destination this body describes, over `base` (id, source and pause kept).
        func destination(keeping base: Destination?) -> Destination {
            var d = Destination(name: name ?? "", aeTitle: aeTitle ?? "", host: host ?? "", port: port ?? 0)
            let defaults = d
            d.id = base?.id ?? 0
            d.source = base?.source ?? "operator"
            d.paused = base?.paused ?? false
            d.callingAETitle = callingAETitle
            d.tlsEnabled = tlsEnabled ?? false
            d.tlsVerifyHostname = tlsVerifyHostname ?? defaults.tlsVerifyHostname
            d.tlsCAFile = tlsCAFile
            d.tlsCertificateFile = tlsCertificateFile
            d.tlsKeyFile = tlsKeyFile
            d.maxAssociations = maxAssociations ?? defaults.maxAssociations
            d.maxObjectsPerAssociation = maxObjectsPerAssociation ?? defaults.maxObjectsPerAssociation
            d.maxAttempts = maxAttempts ?? defaults.maxAttempts
            d.retryInitialDelay = retryInitialDelaySeconds ?? defaults.retryInitialDelay
            d.retryMaxDelay = retryMaxDelaySeconds ?? defaults.retryMaxDelay
            d.breakerThreshold = breakerThreshold ?? defaults.breakerThreshold
            d.breakerPause = breakerPauseSeconds ?? defaults.breakerPause
            d.enabled = enabled ?? true
            d.description = description
            return d
        }
    }

    func register(on routes: AdminRouteBuilder) {
        let store = DestinationStore(pool: services.pool)
        let routeStore = RouteStore(pool: services.pool)

        routes.add(.get, "/api/v1/destinations", access: .role(.viewer)) { request, _ in
            var query = QueryReader(request)
            let enabled = query.bool("enabled")
            let page = query.page(defaultLimit: 100)
            try query.finish()
            let all = try await store.list().filter { enabled == nil || $0.enabled == enabled }
            return PagedResponse(fetched: all.dropFirst(page.offset).prefix(page.limit + 1).map(Body.init), page: page)
        }

        routes.add(.get, "/api/v1/destinations/{id}", access: .role(.viewer)) { _, context in
            Body(try await Self.find(store, context))
        }

        routes.add(.post, "/api/v1/destinations", access: .role(.operator)) { request, context in
            let input = try await request.decode(as: Input.self, context: context)
            try input.validate()
            let actor = try context.storeActor()
            let saved = try await store.save(input.destination(keeping: nil), actor: actor)
            return EditedResponse(status: .created, response: Body(saved))
        }

        routes.add(.put, "/api/v1/destinations/{id}", access: .role(.operator)) { request, context in
            let existing = try await Self.find(store, context)
            let input = try await request.decode(as: Input.self, context: context)
            try input.validate()
            try Self.requireOperatorManaged(existing)
            let actor = try context.storeActor()
            try await store.update(input.destination(keeping: existing), actor: actor)
            guard let stored = try await store.find(id: existing.id) else { throw APIError.notFound("destination") }
            return Body(stored)
        }

        routes.add(.delete, "/api/v1/destinations/{id}", access: .role(.operator)) { _, context in
            let existing = try await Self.find(store, context)
            try Self.requireOperatorManaged(existing)
            let users = try await routeStore.list().filter { $0.destinations.contains(existing.name) }.map(\.name)
            guard users.isEmpty else {
                throw APIError.conflict("the destination is used by routes: \(users.joined(separator: ", "))")
            }
            try await store.remove(name: existing.name, actor: try context.storeActor())
            return Response(status: .noContent)
        }

        for (verb, paused) in [("pause", true), ("resume", false)] {
            // The lane pause holds the destination's jobs (waiting, attempts untouched);
            // running ones finish. Allowed on configuration-managed destinations too: a pause
            // is operations, not configuration.
            routes.add(.post, "/api/v1/destinations/{id}/\(verb)", access: .role(.operator)) { _, context in
                let existing = try await Self.find(store, context)
                try await store.setPaused(existing, paused, actor: try context.storeActor())
                guard let stored = try await store.find(id: existing.id) else { throw APIError.notFound("destination") }
                return Body(stored)
            }
        }

        DestinationEchoRoute(
            store: store, auditLog: services.auditLog, defaultCallingAETitle: services.callingAETitle, logger: services.logger
        ).register(on: routes)
    }

    /// The destination the `{id}` parameter names: a row id, or (not all digits) a name.
    static func find(_ store: DestinationStore, _ context: AdminRequestContext) async throws -> Destination {
        guard let text = context.parameters.get("id"), !text.isEmpty, text.utf8.count <= 64 else {
            throw APIError.notFound("destination")
        }
        if text.allSatisfy({ ("0"..."9").contains($0) }) {
            guard let id = Int64(text), let byID = try await store.find(id: id) else { throw APIError.notFound("destination") }
            return byID
        }
        guard let byName = try await store.find(name: text) else { throw APIError.notFound("destination") }
        return byName
    }

    static func requireOperatorManaged(_ destination: Destination) throws {
        guard destination.source == "operator" else {
            throw APIError.conflict("this destination is managed by the configuration file; change it there")
        }
    }
}

extension AdminRequestContext {
    /// The caller as the forwarding stores audit it (the same shape as the CLI's user).
    func storeActor() throws -> AuditActor {
        .user(try requirePrincipal().username)
    }
}
