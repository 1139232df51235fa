import Foundation

/// File operations on the tree for callers outside this module. Blocking: run them through
/// ``BlockingIO``.
public enum StorageFiles {
    /// Removes the file at `absolutePath`.
    public static func remove(_ absolutePath: String) throws(StorageError) {
        try POSIX.remove(absolutePath)
    }

    /// Hard-links the file at `relativePath` (if any) into `incoming/` as a `*.aside`
    /// (``KeptAside``), so a replacement can be undone until its transaction commits. The
    /// link's directory is fsynced before this returns: the earlier version may be an
    /// acknowledged object's only copy until the replacement commits, so it must survive a
    /// crash in between, after which ``KeptAside`` settles it by content (start-up recovery
    /// does not remove it with the partial files).
    ///
    /// - Returns: the link's path relative to the root, nil when there is no file to keep.
    public static func keepAside(_ relativePath: String, in layout: StorageLayout) throws(StorageError) -> String? {
        let source = layout.absolute(relativePath)
        guard POSIX.exists(source) else { return nil }
        let aside = "\(StorageLayout.incoming)/\(IncomingFile.uniqueName())\(KeptAside.suffix)"
        try POSIX.hardLink(source, to: layout.absolute(aside))
        try POSIX.syncDirectory(layout.absolute(StorageLayout.incoming))
        return aside
    }

    /// Puts a file kept aside by ``keepAside(_:in:)`` back at `relativePath` (atomically).
    public static func restore(_ aside: String, to relativePath: String, in layout: StorageLayout) throws(StorageError) {
        try POSIX.moveReplacing(layout.absolute(aside), to: layout.absolute(relativePath))
        try POSIX.syncDirectory(POSIX.parent(of: layout.absolute(relativePath)))
    }
}
