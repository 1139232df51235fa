public import Logging
public import PostgresClient
public import ServiceLifecycle

/// Chains committed audit events: gives each unsealed event, in id order, the next
/// chain_seq, the previous event's hash as prev_hash, and
/// hash = SHA-256(prev_hash ‖ canonical event) (``AuditCanonicalEncoding``).
///
/// Any number of processes may run a sealer: a transaction-scoped advisory lock lets one
/// seal at a time, the others skip the round. Runs every ``Configuration/interval`` as a
/// service, and on demand through ``sealPending()``.
public struct AuditSealer: Service {
    /// Sealer settings.
    public struct Configuration: Sendable {
        /// Time between rounds.
        public var interval: Duration = .seconds(5)
        /// Events sealed per transaction.
        public var batchSize: Int = 1000

        /// Default settings.
        public init() {}
    }

    /// The advisory lock shared with `dicom_gw.purge_audit_events` (0003).
    static let lockSQL = "SELECT pg_try_advisory_xact_lock(hashtext('dicom_gw.audit_sealer')) AS locked"

    let pool: PostgresPool
    let configuration: Configuration
    let logger: Logger

    /// A sealer working through `pool`.
    public init(pool: PostgresPool, configuration: Configuration = .init(), logger: Logger) {
        self.pool = pool
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try await sealPending()
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("audit sealing failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: configuration.interval)
            }
        }
    }

    /// Seals every event committed so far (unless another process holds the lock).
    /// - Returns: how many events this call sealed.
    /// - Throws: ``PostgresError``.
    @discardableResult
    public func sealPending() async throws -> Int {
        var total = 0
        while true {
            let sealed = try await sealBatch()
            total += sealed
            if sealed < configuration.batchSize { break }
        }
        if total > 0 { logger.debug("sealed audit events", metadata: ["audit.sealed": "\(total)"]) }
        return total
    }

    func sealBatch() async throws -> Int {
        try await pool.withTransaction { connection in
            guard let lock = try await connection.query(Self.lockSQL).first,
                try lock.decode(Bool.self, column: "locked")
            else { return 0 }

            var seq: Int64 = 0
            var prevHash = AuditCanonicalEncoding.genesisHash
            let tail = try await connection.query(
                "SELECT chain_seq, hash FROM dicom_gw.audit_events WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1")
            if let row = tail.first {
                seq = try row.decode(Int64.self, column: "chain_seq")
                prevHash = try row.decode([UInt8].self, column: "hash")
            }
            let rows = try await connection.query(
                "SELECT \(AuditChainFields.selectColumns) FROM dicom_gw.audit_events WHERE chain_seq IS NULL ORDER BY id LIMIT $1",
                [configuration.batchSize])
            guard !rows.isEmpty else { return 0 }

            let firstSeq = seq + 1
            let firstPrev = prevHash
            var ids: [Int64] = []
            var hashes: [UInt8] = []
            for row in rows {
                let fields = try AuditChainFields(row: row)
                seq += 1
                let hash = AuditCanonicalEncoding.hash(fields, chainSeq: seq, prevHash: prevHash)
                ids.append(fields.id)
                hashes.append(contentsOf: hash)
                prevHash = hash
            }
            // One statement for the batch: the n-th id gets firstSeq+n-1 and the n-th 32-byte
            // slice of the concatenated hashes; its prev_hash is the slice before (or the tail's).
            let updated = try await connection.execute(
                """
                UPDATE dicom_gw.audit_events e
                   SET chain_seq = $2::bigint + s.ord - 1,
                       prev_hash = CASE WHEN s.ord = 1 THEN $3::bytea
                                        ELSE substring($4::bytea FROM ((s.ord - 2) * 32 + 1)::int FOR 32) END,
                       hash = substring($4::bytea FROM ((s.ord - 1) * 32 + 1)::int FOR 32)
                  FROM unnest($1::bigint[]) WITH ORDINALITY AS s(id, ord)
                 WHERE e.id = s.id AND e.chain_seq IS NULL
                """,
                [ids, firstSeq, firstPrev, hashes])
            guard updated == ids.count else {
                throw PostgresError(code: .client, message: "sealed \(updated) of \(ids.count) audit events; rolled back")
            }
            return ids.count
        }
    }
}

extension AuditChainFields {
    init(row: PostgresRow) throws {
        self.init(
            id: try row.decode(Int64.self, column: "id"),
            occurredAtMicros: try row.decode(Int64.self, column: "occurred_at_us"),
            actorType: try row.decode(String.self, column: "actor_type"),
            actor: try row.decode(String.self, column: "actor"),
            actorAddress: try row.decode(String?.self, column: "actor_address"),
            action: try row.decode(String.self, column: "action"),
            objectType: try row.decode(String?.self, column: "object_type"),
            objectID: try row.decode(String?.self, column: "object_id"),
            outcome: try row.decode(String.self, column: "outcome"),
            details: try row.decode(String.self, column: "details"))
    }
}
