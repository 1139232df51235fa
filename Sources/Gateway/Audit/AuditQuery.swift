public import Foundation
public import PostgresClient

/// One audit event as listed by the API and the CLI.
public struct AuditRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var occurredAt: Date
    public var actorType: String
    public var actor: String
    public var actorAddress: String?
    public var action: String
    public var objectType: String?
    public var objectID: String?
    public var outcome: String
    public var details: JSONValue
    /// The event's chain position; nil until sealed.
    public var chainSeq: Int64?

    enum CodingKeys: String, CodingKey {
        case id
        case occurredAt = "occurred_at"
        case actorType = "actor_type"
        case actor
        case actorAddress = "actor_address"
        case action
        case objectType = "object_type"
        case objectID = "object_id"
        case outcome
        case details
        case chainSeq = "chain_seq"
    }
}

/// Filters for listing audit events. Every filter is optional; they combine with AND.
public struct AuditFilter: Sendable, Equatable {
    /// Events at or after this time.
    public var since: Date?
    /// Events before this time.
    public var until: Date?
    /// Exact actor name.
    public var actor: String?
    /// Exact action, or a prefix ending in `.*` (`user.*`).
    public var action: String?
    /// Exact object type.
    public var objectType: String?
    /// Exact object id.
    public var objectID: String?
    /// `success`, `failure` or `warning`.
    public var outcome: String?

    /// No filter.
    public init(
        since: Date? = nil, until: Date? = nil, actor: String? = nil, action: String? = nil,
        objectType: String? = nil, objectID: String? = nil, outcome: String? = nil
    ) {
        self.since = since
        self.until = until
        self.actor = actor
        self.action = action
        self.objectType = objectType
        self.objectID = objectID
        self.outcome = outcome
    }
}

/// Reads the audit log, newest first.
public struct AuditQuery: Sendable {
    let pool: PostgresPool

    /// A query reading through `pool`.
    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// Events matching `filter`, newest first, `limit` of them after skipping `offset`.
    /// - Throws: ``PostgresError``.
    public func list(_ filter: AuditFilter, limit: Int, offset: Int = 0) async throws -> [AuditRecord] {
        // Only fixed SQL fragments are joined; every value is a bound parameter.
        var conditions: [String] = []
        var parameters: [any PostgresEncodable] = []
        func add(_ condition: (String) -> String, _ value: any PostgresEncodable) {
            parameters.append(value)
            conditions.append(condition("$\(parameters.count)"))
        }
        if let since = filter.since { add({ "occurred_at >= \($0)::timestamptz" }, since) }
        if let until = filter.until { add({ "occurred_at < \($0)::timestamptz" }, until) }
        if let actor = filter.actor { add({ "actor = \($0)::text" }, actor) }
        if let action = filter.action {
            if action.hasSuffix(".*") {
                add({ "starts_with(action, \($0)::text)" }, String(action.dropLast()))
            } else {
                add({ "action = \($0)::text" }, action)
            }
        }
        if let objectType = filter.objectType { add({ "object_type = \($0)::text" }, objectType) }
        if let objectID = filter.objectID { add({ "object_id = \($0)::text" }, objectID) }
        if let outcome = filter.outcome { add({ "outcome = \($0)::text" }, outcome) }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        parameters.append(limit)
        parameters.append(offset)
        let rows = try await pool.query(
            """
            SELECT id, occurred_at, actor_type, actor, host(actor_address) AS actor_address, action,
                   object_type, object_id, outcome, details::text AS details, chain_seq
              FROM dicom_gw.audit_events \(whereClause)
             ORDER BY id DESC LIMIT $\(parameters.count - 1) OFFSET $\(parameters.count)
            """, parameters)
        return try rows.map { row in
            AuditRecord(
                id: try row.decode(Int64.self, column: "id"),
                occurredAt: try row.decode(Date.self, column: "occurred_at"),
                actorType: try row.decode(String.self, column: "actor_type"),
                actor: try row.decode(String.self, column: "actor"),
                actorAddress: try row.decode(String?.self, column: "actor_address"),
                action: try row.decode(String.self, column: "action"),
                objectType: try row.decode(String?.self, column: "object_type"),
                objectID: try row.decode(String?.self, column: "object_id"),
                outcome: try row.decode(String.self, column: "outcome"),
                details: (try? JSONValue.parse(try row.decode(String.self, column: "details"))) ?? .null,
                chainSeq: try row.decode(Int64?.self, column: "chain_seq"))
        }
    }
}
