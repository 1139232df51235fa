/// What `dicom-gw storage cleanup` removed (or, in a dry run, would remove).
public struct CleanupReport: Sendable, Codable, Equatable {
    /// One expired file.
    public struct Entry: Sendable, Codable, Equatable {
        /// The area it lies in: `tmp`, `incoming`, `queue`, `failed`, `forwarded`.
        public var area: String
        /// Its path relative to the storage root.
        public var path: String
        /// The instance whose file it is; nil for temporary files (they have no row).
        public var sopInstanceUID: String?
        /// Its size in bytes.
        public var sizeBytes: Int64
        /// How old it is, in days: since the file was last written (temporary areas) or since
        /// the object entered its archive area (the row's `updated_at`).
        public var ageDays: Double
        /// Whether it was removed (always false in a dry run).
        public var removed: Bool
        /// Why it could not be removed, when it could not.
        public var error: String?

        public init(area: String, path: String, sopInstanceUID: String?, sizeBytes: Int64, ageDays: Double,
                    removed: Bool = false, error: String? = nil) {
            self.area = area
            self.path = path
            self.sopInstanceUID = sopInstanceUID
            self.sizeBytes = sizeBytes
            self.ageDays = ageDays
            self.removed = removed
            self.error = error
        }
    }

    /// Whether this was a dry run.
    public var dryRun: Bool
    /// Retention applied, in days.
    public var tmpDays: Int
    public var failedDays: Int
    public var forwardedDays: Int
    /// Every expired file found, in the order handled.
    public var entries: [Entry] = []
    /// Instance rows set to `deleted` with their file.
    public var rowsUpdated: Int = 0
    /// Files left over by an interrupted earlier run and settled at start.
    public var recovered: Int = 0

    /// Files removed.
    public var removedFiles: Int { entries.filter(\.removed).count }
    /// Bytes freed.
    public var removedBytes: Int64 { entries.filter(\.removed).reduce(0) { $0 + $1.sizeBytes } }
    /// Expired files that could not be removed.
    public var failures: Int { entries.filter { $0.error != nil }.count }

    public init(dryRun: Bool, tmpDays: Int, failedDays: Int, forwardedDays: Int) {
        self.dryRun = dryRun
        self.tmpDays = tmpDays
        self.failedDays = failedDays
        self.forwardedDays = forwardedDays
    }
}
