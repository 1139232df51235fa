public import PostgresClient

/// SQL access to `dicom_gw.destinations`, shared by the CLI, the admin API and the forwarder.
///
/// Every change also configures the destination's job lane (running limit, retry policy) so
/// the queue honours it, and is audited with the actor who made it.
public struct DestinationStore: Sendable {
    let pool: PostgresPool

    /// A store over `pool`.
    public init(pool: PostgresPool) { self.pool = pool }

    static let columns = """
        id, name, ae_title::text AS ae_title, host, port, calling_ae_title::text AS calling_ae_title, tls_enabled,
        tls_verify_hostname, tls_ca_file, tls_certificate_file, tls_key_file, max_associations, max_objects_per_association,
        max_attempts, extract(epoch FROM retry_initial_delay)::float8 AS retry_initial_delay,
        extract(epoch FROM retry_max_delay)::float8 AS retry_max_delay, breaker_threshold,
        extract(epoch FROM breaker_pause)::float8 AS breaker_pause, enabled, paused, source, description
        """

    // The config sync's upsert: the file wins over every column it declares.
    static let upsertClause = """
        ON CONFLICT (name) DO UPDATE SET ae_title = excluded.ae_title, host = excluded.host, port = excluded.port,
            calling_ae_title = excluded.calling_ae_title, tls_enabled = excluded.tls_enabled,
            tls_verify_hostname = CASE WHEN $22::boolean THEN dicom_gw.destinations.tls_verify_hostname
                                       ELSE excluded.tls_verify_hostname END,
            tls_ca_file = excluded.tls_ca_file, tls_certificate_file = excluded.tls_certificate_file,
            tls_key_file = excluded.tls_key_file, max_associations = excluded.max_associations,
            max_objects_per_association = excluded.max_objects_per_association,
            max_attempts = excluded.max_attempts, retry_initial_delay = excluded.retry_initial_delay,
            retry_max_delay = excluded.retry_max_delay, breaker_threshold = excluded.breaker_threshold,
            breaker_pause = excluded.breaker_pause, enabled = excluded.enabled, paused = excluded.paused,
            source = excluded.source, description = excluded.description, updated_at = now()
        """

    /// All destinations, by name.
    /// - Throws: `PostgresError`.
    public func list() async throws -> [Destination] {
        try await pool.query("SELECT \(Self.columns) FROM dicom_gw.destinations ORDER BY name").map(Self.decode)
    }

    /// The destination named `name`, or nil.
    /// - Throws: `PostgresError`.
    public func find(name: String) async throws -> Destination? {
        try await pool.query("SELECT \(Self.columns) FROM dicom_gw.destinations WHERE name = $1", [name]).first.map(Self.decode)
    }

    /// The destination with row id `id`, or nil.
    /// - Throws: `PostgresError`.
    public func find(id: Int64) async throws -> Destination? {
        try await pool.query("SELECT \(Self.columns) FROM dicom_gw.destinations WHERE id = $1", [id]).first.map(Self.decode)
    }

    /// Inserts a destination, or updates the one of that name when `upsert` (config sync).
    /// - Returns: the stored destination with its id.
    /// - Throws: ``ForwardError`` (`invalidArgument`, `conflict` when the name is taken and
    ///   not `upsert`), `PostgresError`.
    @discardableResult
    public func save(_ destination: Destination, actor: AuditActor, upsert: Bool = false) async throws -> Destination {
        do {
            return try await pool.withTransaction { connection in
                try await Self.save(destination, actor: actor, upsert: upsert, on: connection)
            }
        } catch let error as PostgresError where error.code == .uniqueViolation {
            throw ForwardError(.conflict, "a destination named '\(destination.name)' already exists")
        }
    }

    /// ``save(_:actor:upsert:)`` in the caller's transaction (the config sync); an error
    /// leaves that transaction aborted.
    /// - Throws: ``ForwardError`` `invalidArgument`, `PostgresError`.
    @discardableResult
    static func save(_ destination: Destination, actor: AuditActor, upsert: Bool, on connection: PostgresConnection) async throws -> Destination {
        try destination.validate()
        let d = destination
        var parameters: [any PostgresEncodable] = [
            d.name, d.aeTitle, d.host, d.port, d.callingAETitle, d.tlsEnabled, d.tlsCAFile, d.tlsCertificateFile,
            d.tlsKeyFile, d.maxAssociations, d.maxObjectsPerAssociation, d.maxAttempts, d.retryInitialDelay,
            d.retryMaxDelay, d.breakerThreshold, d.breakerPause, d.enabled, d.paused, d.source, d.description,
            d.tlsVerifyHostname,
        ]
        if upsert { parameters.append(d.tlsVerifyHostnameUndeclared) }
        let rows = try await connection.query("""
            INSERT INTO dicom_gw.destinations (name, ae_title, host, port, calling_ae_title, tls_enabled, tls_ca_file,
                tls_certificate_file, tls_key_file, max_associations, max_objects_per_association, max_attempts,
                retry_initial_delay, retry_max_delay, breaker_threshold, breaker_pause, enabled, paused, source, description,
                tls_verify_hostname)
            VALUES ($1, $2, $3, $4::int, $5, $6, $7, $8, $9, $10::int, $11::int, $12::int, make_interval(secs => $13),
                make_interval(secs => $14), $15::int, make_interval(secs => $16), $17, $18, $19, $20, $21)
            \(upsert ? Self.upsertClause : "")
            RETURNING \(Self.columns)
            """,
            parameters)
        guard let row = rows.first else { throw ForwardError(.notFound, "insert returned nothing") }
        let saved = try Self.decode(row)
        try await Self.configureLane(saved, on: connection)
        try await Audit.record(actor, action: upsert ? "destination.sync" : "destination.add",
                               objectType: "destination", objectID: saved.name, details: saved.auditDetails, on: connection)
        return saved
    }

    /// Updates the destination with `destination.id`.
    /// - Throws: ``ForwardError`` (`notFound`, `invalidArgument`), `PostgresError`.
    public func update(_ destination: Destination, actor: AuditActor) async throws {
        try destination.validate()
        let d = destination
        try await pool.withTransaction { connection in
            let n = try await connection.execute("""
                UPDATE dicom_gw.destinations SET name = $2, ae_title = $3, host = $4, port = $5::int, calling_ae_title = $6,
                    tls_enabled = $7, tls_ca_file = $8, tls_certificate_file = $9, tls_key_file = $10,
                    max_associations = $11::int, max_objects_per_association = $12::int, max_attempts = $13::int,
                    retry_initial_delay = make_interval(secs => $14), retry_max_delay = make_interval(secs => $15),
                    breaker_threshold = $16::int, breaker_pause = make_interval(secs => $17), enabled = $18, paused = $19,
                    description = $20, tls_verify_hostname = $21, updated_at = now()
                WHERE id = $1
                """,
                [d.id, d.name, d.aeTitle, d.host, d.port, d.callingAETitle, d.tlsEnabled, d.tlsCAFile, d.tlsCertificateFile,
                 d.tlsKeyFile, d.maxAssociations, d.maxObjectsPerAssociation, d.maxAttempts, d.retryInitialDelay,
                 d.retryMaxDelay, d.breakerThreshold, d.breakerPause, d.enabled, d.paused, d.description, d.tlsVerifyHostname])
            guard n == 1 else { throw ForwardError(.notFound, "no destination with id \(d.id)") }
            try await Self.configureLane(d, on: connection)
            try await Audit.record(actor, action: "destination.update", objectType: "destination", objectID: d.name,
                                   details: d.auditDetails, on: connection)
        }
    }

    /// Removes the destination named `name` and cancels its live jobs; its delivery ledger
    /// rows go with it.
    /// - Throws: ``ForwardError`` `notFound`, or `conflict` while a route still sends to it.
    public func remove(name: String, actor: AuditActor) async throws {
        do {
            try await pool.withTransaction { connection in
                try await Self.remove(name: name, actor: actor, on: connection)
            }
        } catch let error as PostgresError where error.code == .foreignKeyViolation {
            throw ForwardError(.conflict, "destination '\(name)' is still used by a route; remove the route first")
        }
    }

    /// ``remove(name:actor:)`` in the caller's transaction (the config sync).
    /// - Throws: ``ForwardError`` `notFound`, `PostgresError` (`foreignKeyViolation` while a
    ///   route still sends to it).
    static func remove(name: String, actor: AuditActor, on connection: PostgresConnection) async throws {
        let rows = try await connection.query("DELETE FROM dicom_gw.destinations WHERE name = $1 RETURNING id", [name])
        guard let id = try rows.first?.decode(Int64.self, column: "id") else {
            throw ForwardError(.notFound, "no destination named '\(name)'")
        }
        _ = try await connection.execute(
            "SELECT dicom_gw.job_cancel(ARRAY(SELECT id FROM dicom_gw.jobs WHERE lane = $1), 'destination removed')",
            [Destination.lane(for: id)])
        try await Audit.record(actor, action: "destination.remove", objectType: "destination", objectID: name,
                               details: [:], on: connection)
    }

    /// Sets the lane's limit and retry policy from the destination (in the caller's transaction).
    /// The running limit counts jobs, and a claim is a batch: the lane admits every
    /// association's batch at once; the association slots (`forward_slots`) enforce
    /// `max_associations` itself.
    static func configureLane(_ d: Destination, on connection: PostgresConnection) async throws {
        let pause: String = d.paused ? "'infinity'::timestamptz" : "NULL"
        _ = try await connection.execute("""
            INSERT INTO dicom_gw.job_lanes AS l (lane, max_running, max_attempts, backoff_base, backoff_max, outage_pause,
                                                 paused_until, pause_reason)
            VALUES ($1, $2::int, $3::int, make_interval(secs => $4), make_interval(secs => $5), make_interval(secs => $6),
                    \(pause), CASE WHEN \(pause) IS NULL THEN NULL ELSE 'paused by operator' END)
            ON CONFLICT (lane) DO UPDATE SET max_running = excluded.max_running, max_attempts = excluded.max_attempts,
                backoff_base = excluded.backoff_base, backoff_max = excluded.backoff_max, outage_pause = excluded.outage_pause,
                paused_until = CASE WHEN excluded.paused_until IS NOT NULL THEN excluded.paused_until
                                    WHEN l.pause_reason = 'paused by operator' THEN NULL ELSE l.paused_until END,
                pause_reason = CASE WHEN excluded.paused_until IS NOT NULL THEN excluded.pause_reason
                                    WHEN l.pause_reason = 'paused by operator' THEN NULL ELSE l.pause_reason END,
                updated_at = now()
            """,
            [d.lane, min(1_000_000, d.maxAssociations * d.maxObjectsPerAssociation), d.maxAttempts, d.retryInitialDelay,
             d.retryMaxDelay, d.breakerPause])
    }

    static func decode(_ row: PostgresRow) throws -> Destination {
        var d = Destination(
            name: try row.decode(String.self, column: "name"), aeTitle: try row.decode(String.self, column: "ae_title"),
            host: try row.decode(String.self, column: "host"), port: Int(try row.decode(Int32.self, column: "port")))
        d.id = try row.decode(Int64.self, column: "id")
        d.callingAETitle = try row.decode(String?.self, column: "calling_ae_title")
        d.tlsEnabled = try row.decode(Bool.self, column: "tls_enabled")
        d.tlsVerifyHostname = try row.decode(Bool.self, column: "tls_verify_hostname")
        d.tlsCAFile = try row.decode(String?.self, column: "tls_ca_file")
        d.tlsCertificateFile = try row.decode(String?.self, column: "tls_certificate_file")
        d.tlsKeyFile = try row.decode(String?.self, column: "tls_key_file")
        d.maxAssociations = Int(try row.decode(Int32.self, column: "max_associations"))
        d.maxObjectsPerAssociation = Int(try row.decode(Int32.self, column: "max_objects_per_association"))
        d.maxAttempts = Int(try row.decode(Int32.self, column: "max_attempts"))
        d.retryInitialDelay = try row.decode(Double.self, column: "retry_initial_delay")
        d.retryMaxDelay = try row.decode(Double.self, column: "retry_max_delay")
        d.breakerThreshold = Int(try row.decode(Int32.self, column: "breaker_threshold"))
        d.breakerPause = try row.decode(Double.self, column: "breaker_pause")
        d.enabled = try row.decode(Bool.self, column: "enabled")
        d.paused = try row.decode(Bool.self, column: "paused")
        d.source = try row.decode(String.self, column: "source")
        d.description = try row.decode(String?.self, column: "description")
        return d
    }
}

extension Destination {
    var auditDetails: [String: String] {
        ["ae_title": aeTitle, "host": host, "port": String(port), "max_associations": String(maxAssociations),
         "enabled": String(enabled), "paused": String(paused), "source": source,
         "tls_enabled": String(tlsEnabled), "tls_verify_hostname": String(tlsVerifyHostname)]
    }
}
