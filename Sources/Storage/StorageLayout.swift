import DICOM

/// The tree under the storage root (docs/storage-layout.md):
/// `storage/studies/{study}/{series}/{sop}.dcm`, `incoming/`, `queue/`, `forwarded/`,
/// `failed/`, `tmp/`; directories 0750 and files 0640, owned by the service user when the
/// gateway runs as root.
///
/// Rows in the database store paths relative to ``root``, so the root can move or be
/// shared between machines.
public struct StorageLayout: Sendable {
    /// Mode of every directory of the layout.
    public static let directoryMode: UInt32 = 0o750
    /// Mode of every file.
    public static let fileMode: UInt32 = 0o640
    /// The directories under the root, parents first.
    public static let directories = ["storage", "storage/studies", "incoming", "queue", "forwarded", "failed", "tmp"]
    /// Where objects are written while they arrive.
    public static let incoming = "incoming"

    /// The absolute storage root, without a trailing slash.
    public let root: String
    /// Owner for new files and directories; nil leaves them to the process's user.
    public let owner: FileOwner?

    /// A layout rooted at `root` (made absolute against the working directory).
    public init(root: String, owner: FileOwner? = nil) {
        var path = root
        if !path.hasPrefix("/") {
            path = FileSystemPaths.currentDirectory() + "/" + path
        }
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        self.root = path
        self.owner = owner
    }

    /// The absolute path of `relative`, a path relative to the root.
    public func absolute(_ relative: String) -> String {
        root + "/" + relative
    }

    /// Creates the root and every directory of the layout that is missing, with mode 0750
    /// (and the owner); existing directories are left as they are (see `storage verify`).
    ///
    /// Blocking: call through ``BlockingIO``.
    public func prepare() throws(StorageError) {
        try POSIX.makeDirectories(root, mode: Self.directoryMode, owner: owner)
        for directory in Self.directories {
            try POSIX.makeDirectories(absolute(directory), mode: Self.directoryMode, owner: owner)
        }
    }

    /// The path, relative to the root, of an instance in `area`:
    /// `{area}/{study}/{series}/{sop}.dcm`.
    ///
    /// - Throws: ``StorageError/Code/invalidUID`` unless all three are valid PS3.5 §9.1 UIDs,
    ///   so nothing received can name a path outside its place (`..`, `/`, NUL, …).
    public static func relativePath(
        of instance: InstanceUIDs,
        in area: StorageArea = .studies
    ) throws(StorageError) -> String {
        for (name, uid) in [("Study Instance UID", instance.study), ("Series Instance UID", instance.series), ("SOP Instance UID", instance.sop)] {
            guard UID.isValid(uid) else {
                throw StorageError(.invalidUID, "\(name) '\(printable(uid))' is not a valid UID")
            }
        }
        return "\(area.directory)/\(instance.study)/\(instance.series)/\(instance.sop).dcm"
    }

    /// `value` cut to a loggable length with control characters escaped.
    static func printable(_ value: String) -> String {
        let cut = value.prefix(80)
        return cut.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
            + (value.count > 80 ? "…" : "")
    }
}

/// The three UIDs that place an instance in the tree.
public struct InstanceUIDs: Sendable, Hashable {
    public var study: String
    public var series: String
    public var sop: String

    public init(study: String, series: String, sop: String) {
        self.study = study
        self.series = series
        self.sop = sop
    }
}
