/// File operations on the tree for callers outside this module. Blocking: run them through
/// ``BlockingIO``.
public enum StorageFiles {
    /// Removes the file at `absolutePath`.
    public static func remove(_ absolutePath: String) throws(StorageError) {
        try POSIX.remove(absolutePath)
    }
}
