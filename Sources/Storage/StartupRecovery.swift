import Foundation

/// What the gateway mends at start-up after a crash.
public enum StartupRecovery {
    /// Removes the partial files receivers left in `incoming/` (nothing in `incoming/` was
    /// ever acknowledged). Call before the listeners open.
    ///
    /// - Returns: how many files were removed.
    public static func removePartialFiles(in layout: StorageLayout, io: BlockingIO) async throws(StorageError) -> Int {
        let directory = layout.absolute(StorageLayout.incoming)
        return try await io.run { () throws(StorageError) -> Int in
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory)
            } catch {
                throw StorageError(.ioFailure, "cannot list \(directory): \(error)")
            }
            var removed = 0
            for name in names where name.hasSuffix(".part") {
                try POSIX.remove(directory + "/" + name)
                removed += 1
            }
            return removed
        }
    }
}
