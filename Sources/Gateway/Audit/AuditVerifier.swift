public import PostgresClient

/// The result of walking the audit chain.
public struct AuditVerification: Sendable, Equatable, Codable {
    /// Where the chain first fails to verify.
    public struct Break: Sendable, Equatable, Codable {
        /// The chain position of the offending event.
        public var chainSeq: Int64
        /// Its row id.
        public var eventID: Int64
        /// What is wrong, for people.
        public var reason: String

        enum CodingKeys: String, CodingKey {
            case chainSeq = "chain_seq"
            case eventID = "event_id"
            case reason
        }
    }

    /// Sealed events checked and found intact (up to the break, if any).
    public var verifiedEvents: Int = 0
    /// The first and last chain positions seen.
    public var firstChainSeq: Int64?
    public var lastChainSeq: Int64?
    /// True when the chain starts at position 1 from the all-zero hash; false when older
    /// events were purged and the first remaining event's prev_hash is taken as the anchor.
    public var startsAtGenesis: Bool = true
    /// Events recorded but not yet sealed (not covered by this check).
    public var unsealedEvents: Int = 0
    /// The first break, or nil when the chain is intact.
    public var firstBreak: Break?

    /// Whether the chain verified.
    public var isIntact: Bool { firstBreak == nil }

    enum CodingKeys: String, CodingKey {
        case verifiedEvents = "verified_events"
        case firstChainSeq = "first_chain_seq"
        case lastChainSeq = "last_chain_seq"
        case startsAtGenesis = "starts_at_genesis"
        case unsealedEvents = "unsealed_events"
        case firstBreak = "first_break"
        case intact
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        verifiedEvents = try c.decode(Int.self, forKey: .verifiedEvents)
        firstChainSeq = try c.decodeIfPresent(Int64.self, forKey: .firstChainSeq)
        lastChainSeq = try c.decodeIfPresent(Int64.self, forKey: .lastChainSeq)
        startsAtGenesis = try c.decode(Bool.self, forKey: .startsAtGenesis)
        unsealedEvents = try c.decode(Int.self, forKey: .unsealedEvents)
        firstBreak = try c.decodeIfPresent(Break.self, forKey: .firstBreak)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(verifiedEvents, forKey: .verifiedEvents)
        try c.encode(firstChainSeq, forKey: .firstChainSeq)
        try c.encode(lastChainSeq, forKey: .lastChainSeq)
        try c.encode(startsAtGenesis, forKey: .startsAtGenesis)
        try c.encode(unsealedEvents, forKey: .unsealedEvents)
        try c.encode(firstBreak, forKey: .firstBreak)
        try c.encode(isIntact, forKey: .intact)
    }
}

/// Checks the audit hash chain: consecutive positions, each prev_hash equal to the hash
/// before it, each hash recomputed from the row's content.
public struct AuditVerifier: Sendable {
    let pool: PostgresPool
    let pageSize: Int

    /// A verifier reading through `pool`, `pageSize` events per query.
    public init(pool: PostgresPool, pageSize: Int = 2000) {
        self.pool = pool
        self.pageSize = max(pageSize, 1)
    }

    /// Walks the whole chain and reports the first break.
    /// - Throws: ``PostgresError``.
    public func verify() async throws -> AuditVerification {
        var result = AuditVerification()
        if let row = try await pool.query(
            "SELECT count(*) AS n FROM dicom_gw.audit_events WHERE chain_seq IS NULL").first
        {
            result.unsealedEvents = Int(try row.decode(Int64.self, column: "n"))
        }
        var previous: (seq: Int64, hash: [UInt8])?
        var after: Int64 = Int64.min
        while true {
            let rows = try await pool.query(
                """
                SELECT \(AuditChainFields.selectColumns), chain_seq, prev_hash, hash
                  FROM dicom_gw.audit_events
                 WHERE chain_seq IS NOT NULL AND chain_seq > $1
                 ORDER BY chain_seq LIMIT $2
                """, [after, pageSize])
            for row in rows {
                let fields = try AuditChainFields(row: row)
                let seq = try row.decode(Int64.self, column: "chain_seq")
                let prevHash = try row.decode([UInt8]?.self, column: "prev_hash")
                let hash = try row.decode([UInt8]?.self, column: "hash")
                func fail(_ reason: String) -> AuditVerification {
                    result.firstBreak = .init(chainSeq: seq, eventID: fields.id, reason: reason)
                    return result
                }
                guard let prevHash, prevHash.count == 32, let hash, hash.count == 32 else {
                    return fail("sealed event lacks a 32-byte prev_hash or hash")
                }
                if let previous {
                    guard seq == previous.seq + 1 else {
                        return fail("events \(previous.seq + 1)…\(seq - 1) of the chain are missing")
                    }
                    guard prevHash == previous.hash else {
                        return fail("prev_hash does not match the hash of event \(previous.seq)")
                    }
                } else {
                    result.firstChainSeq = seq
                    if seq == 1 {
                        guard prevHash == AuditCanonicalEncoding.genesisHash else {
                            return fail("the first event does not start from the genesis hash")
                        }
                    } else {
                        // Older events were purged; this event's prev_hash is the anchor.
                        result.startsAtGenesis = false
                    }
                }
                guard AuditCanonicalEncoding.hash(fields, chainSeq: seq, prevHash: prevHash) == hash else {
                    return fail("hash does not match the event's content: the event was altered")
                }
                result.verifiedEvents += 1
                result.lastChainSeq = seq
                previous = (seq, hash)
                after = seq
            }
            if rows.count < pageSize { break }
        }
        return result
    }
}
