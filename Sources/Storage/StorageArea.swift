/// One of the places an instance's file can be: the live tree, or an archive.
public struct StorageArea: Sendable, Hashable, CustomStringConvertible {
    /// The directory under the root holding `{study}/{series}/{sop}.dcm`.
    public let directory: String

    private init(_ directory: String) { self.directory = directory }

    /// `storage/studies/`: received objects.
    public static let studies = StorageArea("storage/studies")
    /// `forwarded/`: objects archived after every destination received them.
    public static let forwarded = StorageArea("forwarded")
    /// `failed/`: objects whose delivery failed for good.
    public static let failed = StorageArea("failed")

    public var description: String { directory }

    /// The `storage_state` of a row whose file lies in this area.
    public var storageState: String {
        switch self {
        case .forwarded: "forwarded"
        case .failed: "failed"
        default: "stored"
        }
    }

    /// The area that holds the files of rows in `storageState`; nil for `deleted`.
    public init?(storageState: String) {
        switch storageState {
        case "stored": self = .studies
        case "forwarded": self = .forwarded
        case "failed": self = .failed
        default: return nil
        }
    }
}
