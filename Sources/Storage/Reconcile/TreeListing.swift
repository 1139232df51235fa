/// One entry found in the storage tree.
public struct TreeEntry: Sendable, Hashable {
    /// Path relative to the storage root.
    public var relativePath: String
    /// Whether it is a directory (else a file or something else).
    public var isDirectory: Bool
    /// Whether it is a regular file.
    public var isRegularFile: Bool
    /// Permission bits (`st_mode & 0o7777`).
    public var mode: UInt32
    /// Size in bytes.
    public var size: Int64
    /// Last modification, nanoseconds since 1970.
    public var modifiedAt: Int64
}

/// What a walk over part of the tree found.
public struct TreeListing: Sendable {
    /// Files named `{study}/{series}/{sop}.dcm` with valid UIDs, in an area.
    public var instanceFiles: [TreeEntry] = []
    /// Anything else where only instance files belong (wrong names, depth or type).
    public var unexpected: [TreeEntry] = []
    /// Every directory walked (for the permission check).
    public var directories: [TreeEntry] = []

    /// An empty listing.
    public init() {}
}
