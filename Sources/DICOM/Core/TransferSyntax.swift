/// A transfer syntax, known by its UID, with the properties a parser needs.
///
/// Every transfer syntax of PS3.6 is a static member (`TransferSyntax.explicitVRLittleEndian`);
/// `init(uid:)` finds them by UID and describes unknown ones conservatively.
public struct TransferSyntax: Hashable, Sendable, CustomStringConvertible {
    /// The transfer syntax UID.
    public let uid: String
    /// Whether data elements carry their VR.
    public let isExplicitVR: Bool
    /// Whether binary numbers are big endian (Explicit VR Big Endian only).
    public let isBigEndian: Bool
    /// Whether the data set is deflated (RFC 1951) after the file meta information.
    public let isDeflated: Bool
    /// Whether Pixel Data is encapsulated (compressed) in fragments.
    public let isEncapsulated: Bool

    /// Creates a transfer syntax with explicit properties.
    public init(_ uid: String, explicitVR: Bool, bigEndian: Bool, deflated: Bool, encapsulated: Bool) {
        self.uid = uid
        self.isExplicitVR = explicitVR
        self.isBigEndian = bigEndian
        self.isDeflated = deflated
        self.isEncapsulated = encapsulated
    }

    /// The registered transfer syntax with this UID, nil if PS3.6 does not list it.
    public init?(uid: String) {
        guard let known = TransferSyntax.all.first(where: { $0.uid == uid }) else { return nil }
        self = known
    }

    /// A transfer syntax for `uid` that may be private: registered ones keep their
    /// properties, others are assumed to be explicit VR little endian with encapsulated
    /// pixel data (PS3.5 §10 requires that of every non-default transfer syntax).
    public static func forUID(_ uid: String) -> TransferSyntax {
        TransferSyntax(uid: uid) ?? TransferSyntax(uid, explicitVR: true, bigEndian: false, deflated: false, encapsulated: true)
    }

    /// Whether the data set is stored uncompressed and natively (Implicit/Explicit LE, BE).
    public var isNative: Bool { !isEncapsulated && !isDeflated }

    /// The registered name, or the UID.
    public var name: String { UIDDictionary.name(of: uid) ?? uid }

    public var description: String { name }

    /// Transfer syntaxes are equal when their UIDs are.
    public static func == (lhs: TransferSyntax, rhs: TransferSyntax) -> Bool { lhs.uid == rhs.uid }

    public func hash(into hasher: inout Hasher) { hasher.combine(uid) }
}
