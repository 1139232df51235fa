import Foundation

/// A cheap check that the storage root takes writes, for readiness probes.
public enum StorageProbe {
    /// Creates, fsyncs and removes a small file in `tmp/`. Blocking: run through ``BlockingIO``.
    public static func checkWritable(_ layout: StorageLayout) throws(StorageError) {
        let path = layout.absolute("tmp/.readyz-\(UUID().uuidString.lowercased())")
        let fd = try POSIX.createExclusive(path, mode: StorageLayout.fileMode)
        defer {
            POSIX.closeDescriptor(fd)
            try? POSIX.remove(path)
        }
        let byte: [UInt8] = [0x2E]
        let written = byte.withUnsafeBytes { bytes in Result { () throws(StorageError) in try POSIX.writeAll(fd, bytes, path: path) } }
        try written.get()
        try POSIX.sync(fd, path: path)
    }
}
