/// A SOP class, known by its UID.
///
/// The registered SOP classes are static members (`SOPClass.ctImageStorage`) and
/// `SOPClass.allStorage` lists every Storage SOP Class, the set a store SCP accepts by
/// default.
public struct SOPClass: Hashable, Sendable, CustomStringConvertible {
    /// The SOP class UID.
    public let uid: String

    /// Creates a SOP class from its UID (registered or private).
    public init(_ uid: String) {
        self.uid = uid
    }

    /// Whether PS3.6 registers this UID as a Storage SOP Class.
    public var isStorage: Bool { SOPClass.isStorageUID(uid) }

    /// The registered name, or the UID.
    public var name: String { UIDDictionary.name(of: uid) ?? uid }

    public var description: String { name }
}
