import DICOM
public import PostgresClient

/// Earlier versions of replaced instances, kept aside in `incoming/` as `*.aside` hard links
/// while the replacement's transaction is open (``StorageFiles/keepAside(_:in:)``).
///
/// The receiver removes the link once its transaction commits and puts it back once it
/// fails. When it cannot do either (the process died in between, or the database could not
/// say whether the COMMIT went through), the link may be the only copy of an acknowledged
/// object, so nothing deletes it blindly: this resolves it by content, under the instance's
/// lock (``InstanceStore/lockStatement(sopInstanceUID:)``), against the committed row:
///
/// - the row describes the kept-aside version (same SHA-256): the replacement did not
///   commit. If the row's file is not that version, the kept-aside version goes back there
///   (audited `storage.restored`); the link is then gone either way;
/// - the row describes another version, or is gone or `deleted`: the kept-aside version was
///   superseded; the link is removed.
///
/// A file that cannot be read as a Part 10 instance is moved to the quarantine instead.
/// Start-up recovery, a receiver whose commit was in doubt, and `storage verify --repair`
/// call it.
public enum KeptAside {
    /// The file name suffix of a kept-aside version.
    public static let suffix = ".aside"

    /// What became of one kept-aside version.
    public enum Resolution: String, Sendable, Hashable {
        /// Put back at its row's path: the replacement had not committed.
        case restored
        /// Removed: superseded by the committed row (or the row's file already was it).
        case removed
        /// Moved to the quarantine: unreadable.
        case quarantined
        /// Already gone (its receiver settled it meanwhile).
        case gone
    }

    /// What ``resolveAll(in:io:pool:actor:)`` did.
    public struct Summary: Sendable, Hashable {
        public var restored = 0
        public var removed = 0
        public var quarantined = 0

        public init() {}

        /// Counts `resolution`.
        public mutating func add(_ resolution: Resolution) {
            switch resolution {
            case .restored: restored += 1
            case .removed: removed += 1
            case .quarantined: quarantined += 1
            case .gone: break
            }
        }
    }

    /// The kept-aside versions in `incoming/`, as paths relative to the root. Blocking.
    public static func list(in layout: StorageLayout) throws(StorageError) -> [String] {
        let directory = layout.absolute(StorageLayout.incoming)
        guard POSIX.isDirectory(directory) else { return [] }
        return try POSIX.directoryEntries(directory)
            .filter { $0.hasSuffix(suffix) }
            .sorted()
            .map { "\(StorageLayout.incoming)/\($0)" }
    }

    /// Resolves every kept-aside version in `incoming/`.
    /// - Throws: ``StorageError`` or ``PostgresError``; what was resolved before stays resolved.
    public static func resolveAll(
        in layout: StorageLayout, io: BlockingIO, pool: PostgresPool, actor: String
    ) async throws -> Summary {
        var summary = Summary()
        for aside in try await io.run({ () throws(StorageError) in try list(in: layout) }) {
            summary.add(try await resolve(aside, in: layout, io: io, pool: pool, actor: actor))
        }
        return summary
    }

    /// Resolves the kept-aside version at `aside` (relative to the root).
    /// - Throws: ``StorageError`` or ``PostgresError``; the link then stays for a later try.
    public static func resolve(
        _ aside: String, in layout: StorageLayout, io: BlockingIO, pool: PostgresPool, actor: String
    ) async throws -> Resolution {
        let absolute = layout.absolute(aside)
        let inspection = await io.inspect(absolute)
        let inspected: InspectedFile
        switch inspection {
        case .success(let file):
            inspected = file
        case .failure(let error) where error.code == .notFound:
            return .gone
        case .failure(let error) where error.code == .unreadable:
            return try await quarantine(aside, reason: error.message, in: layout, io: io, pool: pool, actor: actor)
        case .failure(let error):
            throw error
        }
        guard let sop = inspected.header?.sopInstanceUID ?? inspected.meta.mediaStorageSOPInstanceUID, UID.isValid(sop),
              let sha256 = inspected.sha256
        else {
            return try await quarantine(aside, reason: "no valid SOP Instance UID", in: layout, io: io, pool: pool, actor: actor)
        }
        return try await pool.withTransaction(beginningWith: [InstanceStore.lockStatement(sopInstanceUID: sop)]) { connection, _ in
            // The committed row, if it describes the kept version; nil when superseded (another
            // version, or none).
            let row = try await InstanceStore.rows(sopInstanceUIDs: [sop], on: connection)[sop]
                .flatMap { $0.storageState != "deleted" && $0.sha256 == sha256 ? $0 : nil }
            var inPlace = false
            if let row { inPlace = (try? await io.inspect(layout.absolute(row.filePath)).get().sha256) == sha256 }
            guard let row, !inPlace else {
                return try await io.run { () throws(StorageError) -> Resolution in
                    guard POSIX.exists(absolute) else { return .gone }
                    try? POSIX.remove(absolute)
                    return .removed
                }
            }
            let target = layout.absolute(row.filePath)
            let restored = try await io.run { () throws(StorageError) -> Bool in
                guard POSIX.exists(absolute) else { return false }
                try POSIX.makeDirectories(POSIX.parent(of: target), mode: StorageLayout.directoryMode, owner: layout.owner)
                try StorageFiles.restore(aside, to: row.filePath, in: layout)
                return true
            }
            guard restored else { return .gone }
            try await InstanceStore.audit(
                action: "storage.restored", object: sop, outcome: "warning", actor: actor,
                details: [
                    "file_path": row.filePath, "kept_aside": aside,
                    "reason": "the replacement's transaction did not commit; the stored version is put back",
                ],
                on: connection)
            return .restored
        }
    }

    private static func quarantine(
        _ aside: String, reason: String, in layout: StorageLayout, io: BlockingIO, pool: PostgresPool, actor: String
    ) async throws -> Resolution {
        let target = try await io.run { () throws(StorageError) in try StorageTree.quarantine(aside, layout: layout) }
        try await pool.withConnection { connection in
            try await InstanceStore.audit(
                action: "storage.quarantined", object: nil, outcome: "warning", actor: actor,
                details: ["file_path": aside, "quarantine_path": target, "reason": "kept-aside version unreadable: \(reason)"],
                on: connection)
        }
        return .quarantined
    }
}

extension BlockingIO {
    /// Reads the file at `absolute` back with its digest, on the pool.
    fileprivate func inspect(_ absolute: String) async -> Result<InspectedFile, StorageError> {
        do {
            return .success(try await run { () throws(StorageError) in try InstanceFileInspector.inspect(absolute, full: true) })
        } catch {
            return .failure(error)
        }
    }
}
