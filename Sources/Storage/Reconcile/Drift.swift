/// One disagreement between the tree and the rows, found by ``StorageVerifier``.
public struct Drift: Sendable, Hashable, Codable {
    /// The kinds of drift.
    public struct Kind: Sendable, Hashable, Codable, CustomStringConvertible {
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }

        /// An instance file in the tree without a row pointing at it.
        public static let fileWithoutRow = Kind("file_without_row")
        /// A row (not `deleted`) whose file is missing.
        public static let rowWithoutFile = Kind("row_without_file")
        /// The file's data set size differs from `size_bytes`.
        public static let sizeMismatch = Kind("size_mismatch")
        /// The data set's SHA-256 differs from `sha256` (with `--checksums`).
        public static let checksumMismatch = Kind("checksum_mismatch")
        /// The file of a row cannot be read back as a Part 10 file.
        public static let unreadableFile = Kind("unreadable_file")
        /// The file lies in the area of another state than its row's.
        public static let stateMismatch = Kind("state_mismatch")
        /// A file or directory without the layout's mode (0640 files, 0750 directories).
        public static let wrongPermissions = Kind("wrong_permissions")
        /// A file in `incoming/` older than any receive in progress.
        public static let strayIncoming = Kind("stray_incoming")
        /// An earlier version of a replaced instance kept aside in `incoming/` (`*.aside`)
        /// whose replacement never settled; `--repair` settles it by content (``KeptAside``).
        public static let keptAside = Kind("kept_aside")
        /// Something where only `{study}/{series}/{sop}.dcm` belongs.
        public static let unexpectedEntry = Kind("unexpected_entry")

        public var description: String { rawValue }
    }

    /// What kind of drift.
    public var kind: Kind
    /// The path concerned, relative to the root.
    public var path: String
    /// The SOP Instance UID concerned, when known.
    public var sopInstanceUID: String?
    /// What was found.
    public var detail: String
    /// Whether `--repair` mended it.
    public var repaired: Bool = false
    /// What the repair did, or why it could not.
    public var repair: String?

    public init(kind: Kind, path: String, sopInstanceUID: String? = nil, detail: String) {
        self.kind = kind
        self.path = path
        self.sopInstanceUID = sopInstanceUID
        self.detail = detail
    }
}

/// The result of one ``StorageVerifier`` run.
public struct VerifyReport: Sendable, Codable {
    /// Instance files found in the tree.
    public var filesScanned = 0
    /// Rows (not `deleted`) checked.
    public var rowsChecked = 0
    /// Every drift found, repaired or not.
    public var drifts: [Drift] = []

    public init() {}

    /// Drifts still there (not repaired).
    public var remaining: Int { drifts.filter { !$0.repaired }.count }

    enum CodingKeys: String, CodingKey {
        case filesScanned = "files_scanned"
        case rowsChecked = "rows_checked"
        case drifts
    }
}
