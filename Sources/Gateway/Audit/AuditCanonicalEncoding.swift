import Crypto

/// The bytes an audit event's hash covers, and the hash itself.
///
/// hash = SHA-256(prev_hash ‖ canonical(event)). The canonical form is a version tag then
/// each field as a one-byte field number, a 4-byte big-endian length and its UTF-8 bytes
/// (length 0xFFFFFFFF for NULL), so no two different events share an encoding. Every field
/// is taken as PostgreSQL prints it (``AuditChainFields``), so the sealer and
/// `audit verify` read the same text from the same row: the time as integer microseconds
/// since the epoch, the address as `inet::text`, the details as `jsonb::text` (which
/// PostgreSQL normalises: key order and spacing do not depend on how the event was written).
public enum AuditCanonicalEncoding {
    /// Identifies this encoding; a future change gets a new tag.
    static let versionTag = Array("dicom-gw.audit.v1".utf8)

    /// The hash preceding the first event of a never-purged chain.
    public static let genesisHash = [UInt8](repeating: 0, count: 32)

    /// The canonical bytes of `row` at position `chainSeq`.
    public static func encode(_ row: AuditChainFields, chainSeq: Int64) -> [UInt8] {
        var out = versionTag
        func field(_ number: UInt8, _ value: String?) {
            out.append(number)
            guard let value else {
                out.append(contentsOf: [0xFF, 0xFF, 0xFF, 0xFF])
                return
            }
            let bytes = Array(value.utf8)
            let length = UInt32(truncatingIfNeeded: bytes.count)
            out.append(contentsOf: [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)])
            out.append(contentsOf: bytes)
        }
        field(1, String(row.id))
        field(2, String(chainSeq))
        field(3, String(row.occurredAtMicros))
        field(4, row.actorType)
        field(5, row.actor)
        field(6, row.actorAddress)
        field(7, row.action)
        field(8, row.objectType)
        field(9, row.objectID)
        field(10, row.outcome)
        field(11, row.details)
        return out
    }

    /// SHA-256(prevHash ‖ canonical(row)).
    public static func hash(_ row: AuditChainFields, chainSeq: Int64, prevHash: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: prevHash)
        hasher.update(data: encode(row, chainSeq: chainSeq))
        return Array(hasher.finalize())
    }
}

/// The columns of an audit event covered by its hash, as text (see ``AuditCanonicalEncoding``).
public struct AuditChainFields: Sendable, Equatable {
    public var id: Int64
    public var occurredAtMicros: Int64
    public var actorType: String
    public var actor: String
    public var actorAddress: String?
    public var action: String
    public var objectType: String?
    public var objectID: String?
    public var outcome: String
    public var details: String

    /// Creates the field set.
    public init(
        id: Int64, occurredAtMicros: Int64, actorType: String, actor: String, actorAddress: String?,
        action: String, objectType: String?, objectID: String?, outcome: String, details: String
    ) {
        self.id = id
        self.occurredAtMicros = occurredAtMicros
        self.actorType = actorType
        self.actor = actor
        self.actorAddress = actorAddress
        self.action = action
        self.objectType = objectType
        self.objectID = objectID
        self.outcome = outcome
        self.details = details
    }

    /// The SELECT list that yields these fields (in this order), for `dicom_gw.audit_events`.
    static let selectColumns = """
        id, (extract(epoch FROM occurred_at) * 1000000)::bigint AS occurred_at_us, actor_type, actor,
        actor_address::text AS actor_address, action, object_type, object_id, outcome, details::text AS details
        """
}
