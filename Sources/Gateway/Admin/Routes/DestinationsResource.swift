import Foundation
import Hummingbird
import PostgresClient

/// `/api/v1/destinations…`: the remote DICOM nodes objects are forwarded to. Viewers read,
/// operators change. Rows managed by the configuration file (`source = 'config'`) are
/// read-only here: the file wins at the next start.
struct DestinationsResource: AdminResource {
    let services: AdminServices

    struct Destination: ResponseEncodable, Sendable {
        let id: Int64
        let name: String
        let aeTitle: String
        let host: String
        let port: Int32
        let callingAETitle: String?
        let tlsEnabled: Bool
        let tlsCAFile: String?
        let tlsCertificateFile: String?
        let tlsKeyFile: String?
        let maxAssociations: Int32
        let maxObjectsPerAssociation: Int32
        let maxAttempts: Int32
        let retryInitialDelaySeconds: Int64
        let retryMaxDelaySeconds: Int64
        let enabled: Bool
        let source: String
        let description: String?
        let createdAt: Date
        let updatedAt: Date

        enum CodingKeys: String, CodingKey {
            case id, name, host, port, enabled, source, description
            case aeTitle = "ae_title"
            case callingAETitle = "calling_ae_title"
            case tlsEnabled = "tls_enabled"
            case tlsCAFile = "tls_ca_file"
            case tlsCertificateFile = "tls_certificate_file"
            case tlsKeyFile = "tls_key_file"
            case maxAssociations = "max_associations"
            case maxObjectsPerAssociation = "max_objects_per_association"
            case maxAttempts = "max_attempts"
            case retryInitialDelaySeconds = "retry_initial_delay_seconds"
            case retryMaxDelaySeconds = "retry_max_delay_seconds"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }
    }

    /// The body of POST and PUT; PUT replaces every field (omitted ones take their defaults).
    struct DestinationInput: Decodable, Sendable {
        let name: String?
        let aeTitle: String?
        let host: String?
        let port: Int?
        let callingAETitle: String?
        let tlsEnabled: Bool?
        let tlsCAFile: String?
        let tlsCertificateFile: String?
        let tlsKeyFile: String?
        let maxAssociations: Int?
        let maxObjectsPerAssociation: Int?
        let maxAttempts: Int?
        let retryInitialDelaySeconds: Int?
        let retryMaxDelaySeconds: Int?
        let enabled: Bool?
        let description: String?

        enum CodingKeys: String, CodingKey {
            case name, host, port, enabled, description
            case aeTitle = "ae_title"
            case callingAETitle = "calling_ae_title"
            case tlsEnabled = "tls_enabled"
            case tlsCAFile = "tls_ca_file"
            case tlsCertificateFile = "tls_certificate_file"
            case tlsKeyFile = "tls_key_file"
            case maxAssociations = "max_associations"
            case maxObjectsPerAssociation = "max_objects_per_association"
            case maxAttempts = "max_attempts"
            case retryInitialDelaySeconds = "retry_initial_delay_seconds"
            case retryMaxDelaySeconds = "retry_max_delay_seconds"
        }

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
            v.text(description, "description", maxLength: 1000)
            try v.finish()
        }

        /// Parameters $1…$16 in the order of ``DestinationsResource/assignments``.
        var parameters: [any PostgresEncodable] {
            [
                name, aeTitle, host, port, callingAETitle, tlsEnabled ?? false, tlsCAFile, tlsCertificateFile,
                tlsKeyFile, maxAssociations ?? 2, maxObjectsPerAssociation ?? 100, maxAttempts ?? 10,
                Double(retryInitialDelaySeconds ?? 10), Double(retryMaxDelaySeconds ?? 3600), enabled ?? true, description,
            ]
        }
    }

    static let columns = """
        id, name, ae_title, host, port, calling_ae_title, tls_enabled, tls_ca_file, tls_certificate_file, tls_key_file,
        max_associations, max_objects_per_association, max_attempts,
        extract(epoch FROM retry_initial_delay)::bigint AS retry_initial_delay_seconds,
        extract(epoch FROM retry_max_delay)::bigint AS retry_max_delay_seconds,
        enabled, source, description, created_at, updated_at
        """

    static let values = """
        $1::text, $2::text, $3::text, $4::int, $5::text, $6::bool, $7::text, $8::text, $9::text, $10::int, $11::int,
        $12::int, make_interval(secs => $13::double precision), make_interval(secs => $14::double precision), $15::bool, $16::text
        """

    static let fieldList = """
        name, ae_title, host, port, calling_ae_title, tls_enabled, tls_ca_file, tls_certificate_file, tls_key_file,
        max_associations, max_objects_per_association, max_attempts, retry_initial_delay, retry_max_delay, enabled, description
        """

    func register(on routes: AdminRouteBuilder) {
        let pool = services.pool

        routes.add(.get, "/api/v1/destinations", access: .role(.viewer)) { request, _ in
            var query = QueryReader(request)
            let enabled = query.bool("enabled")
            let page = query.page(defaultLimit: 100)
            try query.finish()
            let rows = try await pool.query(
                "SELECT \(Self.columns) FROM dicom_gw.destinations WHERE $1::bool IS NULL OR enabled = $1::bool ORDER BY name LIMIT $2 OFFSET $3",
                [enabled, page.limit + 1, page.offset])
            return PagedResponse(fetched: try rows.map(Destination.init(row:)), page: page)
        }

        routes.add(.get, "/api/v1/destinations/{id}", access: .role(.viewer)) { _, context in
            try await Self.find(pool, try context.parameters.requireID("id"))
        }

        routes.add(.post, "/api/v1/destinations", access: .role(.operator)) { request, context in
            let input = try await request.decode(as: DestinationInput.self, context: context)
            try input.validate()
            let actor = try context.auditActor()
            let destination = try await Self.translatingConflicts(input.name) {
                try await pool.withTransaction { connection in
                    let rows = try await connection.query(
                        "INSERT INTO dicom_gw.destinations (\(Self.fieldList)) VALUES (\(Self.values)) RETURNING \(Self.columns)",
                        input.parameters)
                    guard let row = rows.first else { throw APIError.notFound("destination") }
                    let destination = try Destination(row: row)
                    try await AuditLog.record(
                        AuditEvent(actor: actor, action: AuditAction.destinationCreated, objectType: "destination",
                                   objectID: destination.name, details: Self.auditDetails(destination)),
                        on: connection)
                    return destination
                }
            }
            return EditedResponse(status: .created, response: destination)
        }

        routes.add(.put, "/api/v1/destinations/{id}", access: .role(.operator)) { request, context in
            let id = try context.parameters.requireID("id")
            let input = try await request.decode(as: DestinationInput.self, context: context)
            try input.validate()
            let actor = try context.auditActor()
            return try await Self.translatingConflicts(input.name) {
                try await pool.withTransaction { connection in
                    try await Self.requireOperatorManaged(connection, id)
                    let rows = try await connection.query(
                        """
                        UPDATE dicom_gw.destinations SET (\(Self.fieldList), updated_at) = (\(Self.values), now())
                         WHERE id = $17 RETURNING \(Self.columns)
                        """, input.parameters + [id])
                    guard let row = rows.first else { throw APIError.notFound("destination") }
                    let destination = try Destination(row: row)
                    try await AuditLog.record(
                        AuditEvent(actor: actor, action: AuditAction.destinationUpdated, objectType: "destination",
                                   objectID: destination.name, details: Self.auditDetails(destination)),
                        on: connection)
                    return destination
                }
            }
        }

        DestinationEchoRoute(
            pool: pool, auditLog: services.auditLog, defaultCallingAETitle: services.callingAETitle, logger: services.logger
        ).register(on: routes)

        routes.add(.delete, "/api/v1/destinations/{id}", access: .role(.operator)) { _, context in
            let id = try context.parameters.requireID("id")
            let actor = try context.auditActor()
            try await pool.withTransaction { connection in
                try await Self.requireOperatorManaged(connection, id)
                let users = try await connection.query(
                    """
                    SELECT r.name FROM dicom_gw.route_destinations rd JOIN dicom_gw.routes r ON r.id = rd.route_id
                     WHERE rd.destination_id = $1 ORDER BY r.name
                    """, [id]
                ).map { try $0.decode(String.self, column: "name") }
                guard users.isEmpty else {
                    throw APIError.conflict("the destination is used by routes: \(users.joined(separator: ", "))")
                }
                let rows = try await connection.query("DELETE FROM dicom_gw.destinations WHERE id = $1 RETURNING name", [id])
                guard let row = rows.first else { throw APIError.notFound("destination") }
                try await AuditLog.record(
                    AuditEvent(actor: actor, action: AuditAction.destinationDeleted, objectType: "destination",
                               objectID: try row.decode(String.self, column: "name")),
                    on: connection)
            }
            return Response(status: .noContent)
        }
    }

    static func find(_ pool: PostgresPool, _ id: Int64) async throws -> Destination {
        guard let row = try await pool.query("SELECT \(columns) FROM dicom_gw.destinations WHERE id = $1", [id]).first else {
            throw APIError.notFound("destination")
        }
        return try Destination(row: row)
    }

    static func requireOperatorManaged(_ connection: PostgresConnection, _ id: Int64) async throws {
        guard let row = try await connection.query(
            "SELECT source FROM dicom_gw.destinations WHERE id = $1 FOR UPDATE", [id]).first
        else { throw APIError.notFound("destination") }
        guard try row.decode(String.self, column: "source") == "operator" else {
            throw APIError.conflict("this destination is managed by the configuration file; change it there")
        }
    }

    static func translatingConflicts<T>(_ name: String?, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PostgresError where error.code == .uniqueViolation {
            throw APIError.conflict("a destination named \(name ?? "") already exists")
        } catch let error as PostgresError where error.code == .checkViolation {
            throw APIError.invalid("body", "rejected by the database: \(error.message)")
        }
    }

    static func auditDetails(_ d: Destination) -> [String: AuditValue] {
        [
            "ae_title": .string(d.aeTitle), "host": .string(d.host), "port": .int(Int64(d.port)),
            "tls_enabled": .bool(d.tlsEnabled), "enabled": .bool(d.enabled),
        ]
    }
}

extension DestinationsResource.Destination {
    init(row: PostgresRow) throws {
        self.init(
            id: try row.decode(Int64.self, column: "id"),
            name: try row.decode(String.self, column: "name"),
            aeTitle: try row.decode(String.self, column: "ae_title"),
            host: try row.decode(String.self, column: "host"),
            port: try row.decode(Int32.self, column: "port"),
            callingAETitle: try row.decode(String?.self, column: "calling_ae_title"),
            tlsEnabled: try row.decode(Bool.self, column: "tls_enabled"),
            tlsCAFile: try row.decode(String?.self, column: "tls_ca_file"),
            tlsCertificateFile: try row.decode(String?.self, column: "tls_certificate_file"),
            tlsKeyFile: try row.decode(String?.self, column: "tls_key_file"),
            maxAssociations: try row.decode(Int32.self, column: "max_associations"),
            maxObjectsPerAssociation: try row.decode(Int32.self, column: "max_objects_per_association"),
            maxAttempts: try row.decode(Int32.self, column: "max_attempts"),
            retryInitialDelaySeconds: try row.decode(Int64.self, column: "retry_initial_delay_seconds"),
            retryMaxDelaySeconds: try row.decode(Int64.self, column: "retry_max_delay_seconds"),
            enabled: try row.decode(Bool.self, column: "enabled"),
            source: try row.decode(String.self, column: "source"),
            description: try row.decode(String?.self, column: "description"),
            createdAt: try row.decode(Date.self, column: "created_at"),
            updatedAt: try row.decode(Date.self, column: "updated_at"))
    }
}
