import Foundation
public import PostgresClient

/// What the gateway mends at start-up after a crash.
public enum StartupRecovery {
    /// Removes the partial files receivers left in `incoming/` (nothing in `incoming/` was
    /// ever acknowledged). Call before the listeners open. A file a live receiver holds (its
    /// lock, taken when it was created) is left alone: with shared storage it belongs to
    /// another gateway's receive in flight.
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
                if try POSIX.removeIfUnlocked(directory + "/" + name) { removed += 1 }
            }
            return removed
        }
    }

    /// What ``indexOrphans(in:io:pool:modifiedBefore:studiesPerStep:actor:)`` did.
    public struct OrphanSummary: Sendable, Hashable {
        /// Instance files looked at.
        public var scanned = 0
        /// Orphans given a row.
        public var indexed = 0
        /// Rows pointed at a file found elsewhere in the tree.
        public var relinked = 0
        /// Orphans moved to the quarantine.
        public var quarantined = 0

        public init() {}
    }

    /// Finds files of the tree without a row (placed, then the process died before its
    /// transaction committed) and indexes or quarantines each (``OrphanIndexer``).
    ///
    /// Runs beside the listeners, so it never delays them: the tree is walked
    /// `studiesPerStep` study directories at a time on the blocking pool, and each step costs
    /// one indexed query (by SOP Instance UID) per batch of files. Only files last modified
    /// before `modifiedBefore` are candidates: anything newer was written by a receiver of
    /// this run, whose own transaction settles it. A receiver that stores the same instance
    /// meanwhile is harmless either way: the indexer finds its row, or the receiver finds the
    /// indexer's (identical content), so one file and one row remain.
    ///
    /// - Parameters:
    ///   - cutoff: nanoseconds since 1970; the start of this run.
    ///   - onIndexed: runs in each indexing transaction (``OrphanIndexer/IndexedHook``).
    /// - Throws: ``StorageError`` or ``PostgresError``; the caller retries later (e.g. while
    ///   the database is down).
    public static func indexOrphans(
        in layout: StorageLayout,
        io: BlockingIO,
        pool: PostgresPool,
        modifiedBefore cutoff: Int64,
        studiesPerStep: Int = 64,
        actor: String = "dicom-gw recovery",
        onIndexed: OrphanIndexer.IndexedHook? = nil
    ) async throws -> OrphanSummary {
        var summary = OrphanSummary()
        let indexer = OrphanIndexer(layout: layout, io: io, actor: actor, onIndexed: onIndexed)
        for area in [StorageArea.studies, .forwarded, .failed] {
            let studies = try await io.run { () throws(StorageError) in try StorageTree.studyNames(in: area, layout: layout) }
            var start = 0
            while start < studies.count {
                try Task.checkCancellation()
                let step = Array(studies[start..<min(start + studiesPerStep, studies.count)])
                start += studiesPerStep
                let listing = try await io.run { () throws(StorageError) -> TreeListing in
                    var listing = TreeListing()
                    try StorageTree.scan(step, in: area, layout: layout, into: &listing)
                    return listing
                }
                let candidates = listing.instanceFiles.filter { $0.modifiedAt < cutoff }
                summary.scanned += candidates.count
                for batch in stride(from: 0, to: candidates.count, by: 1000) {
                    let files = candidates[batch..<min(batch + 1000, candidates.count)]
                    let uids = files.map { sopInstanceUID(of: $0.relativePath) }
                    let rows = try await pool.withConnection { try await InstanceStore.rows(sopInstanceUIDs: uids, on: $0) }
                    for file in files {
                        let row = rows[sopInstanceUID(of: file.relativePath)]
                        if let row, row.storageState != "deleted", row.filePath == file.relativePath { continue }
                        switch try await indexer.index(file.relativePath, pool: pool) {
                        case .indexed: summary.indexed += 1
                        case .relinked: summary.relinked += 1
                        case .quarantined: summary.quarantined += 1
                        case .alreadyIndexed: break
                        }
                    }
                }
            }
        }
        return summary
    }

    /// The SOP Instance UID an instance path names (its file name without `.dcm`).
    static func sopInstanceUID(of relativePath: String) -> String {
        let name = relativePath.split(separator: "/").last.map(String.init) ?? relativePath
        return name.hasSuffix(".dcm") ? String(name.dropLast(4)) : name
    }
}
