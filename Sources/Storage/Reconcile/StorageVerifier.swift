import DICOM
import Foundation
public import PostgresClient

/// `dicom-gw storage verify`: compares the tree with the rows and, when asked, mends what
/// it can (docs/architecture: invariant 2).
///
/// It walks `storage/studies/`, `forwarded/` and `failed/` (not the quarantine), pages
/// through the rows whose `storage_state` says they have a file, and reports every
/// ``Drift``. Repairs are audited (`actor_type` 'system') and never delete instance data:
/// unreadable or unplaceable files go to the quarantine.
public struct StorageVerifier: Sendable {
    /// What to check and whether to repair.
    public struct Configuration: Sendable {
        /// Hash every data set and compare with `sha256` (reads every byte of the tree).
        public var checksums: Bool = false
        /// Mend what can be mended.
        public var repair: Bool = false
        /// Files in `incoming/` younger than this many seconds may belong to a receive in
        /// progress and are not reported.
        public var incomingGraceSeconds: Int64 = 600
        /// The actor named in audit events.
        public var actor: String = "dicom-gw storage verify"
        /// Rows (and files) handled per step.
        public var pageSize: Int = 1000
        /// Runs in each transaction that indexes a file without a row (``OrphanIndexer/IndexedHook``).
        public var onIndexed: OrphanIndexer.IndexedHook?

        public init(checksums: Bool = false, repair: Bool = false) {
            self.checksums = checksums
            self.repair = repair
        }
    }

    let configuration: Configuration
    let layout: StorageLayout
    let io: BlockingIO
    let pool: PostgresPool

    /// A verifier of the tree under `layout` against the rows reached through `pool`.
    public init(configuration: Configuration, layout: StorageLayout, pool: PostgresPool, io: BlockingIO = BlockingIO()) {
        self.configuration = configuration
        self.layout = layout
        self.pool = pool
        self.io = io
    }

    /// Runs the comparison (and the repairs).
    ///
    /// - Throws: ``StorageError`` when the tree cannot be walked, ``PostgresError`` when the
    ///   database cannot be read. A failed repair is not thrown: it stays a drift.
    public func run() async throws -> VerifyReport {
        var report = VerifyReport()
        let layout = self.layout
        let repair = configuration.repair

        // The tree: layout directories, then each area.
        var files: [String: TreeEntry] = [:]
        var checkModes: [TreeEntry] = []
        var unexpected: [TreeEntry] = []
        for directory in [""] + StorageLayout.directories {
            let path = directory.isEmpty ? "." : directory
            if let entry = try await io.run({ () throws(StorageError) in try StorageTree.entry(path, layout: layout) }) {
                checkModes.append(entry)
            } else {
                var drift = Drift(kind: .unexpectedEntry, path: directory, detail: "layout directory missing")
                if repair {
                    drift.repaired = (try? await io.run { () throws(StorageError) in try layout.prepare() }) != nil
                    drift.repair = drift.repaired ? "created" : "could not create it"
                }
                report.drifts.append(drift)
            }
        }
        for area in [StorageArea.studies, .forwarded, .failed] {
            let studies = (try? await io.run { () throws(StorageError) in try StorageTree.studyNames(in: area, layout: layout) }) ?? []
            for start in stride(from: 0, to: studies.count, by: 256) {
                let step = Array(studies[start..<min(start + 256, studies.count)])
                let listing = try await io.run { () throws(StorageError) -> TreeListing in
                    var listing = TreeListing()
                    try StorageTree.scan(step, in: area, layout: layout, into: &listing)
                    return listing
                }
                for file in listing.instanceFiles { files[file.relativePath] = file }
                checkModes += listing.directories
                checkModes += listing.instanceFiles
                unexpected += listing.unexpected
            }
        }
        report.filesScanned = files.count
        let quarantined = try await io.run { () throws(StorageError) in try StorageTree.files(under: StorageTree.quarantine, layout: layout) }
        checkModes += quarantined
        let incoming = try await io.run { () throws(StorageError) in try StorageTree.files(under: StorageLayout.incoming, layout: layout) }

        // Permissions.
        for entry in checkModes {
            let expected = entry.isDirectory ? StorageLayout.directoryMode : StorageLayout.fileMode
            guard entry.mode != expected else { continue }
            var drift = Drift(
                kind: .wrongPermissions, path: entry.relativePath,
                detail: "mode \(String(entry.mode, radix: 8)), expected \(String(expected, radix: 8))")
            if repair {
                await attempt(&drift, "chmod \(String(expected, radix: 8))") {
                    try await io.run { () throws(StorageError) in try StorageTree.fixMode(entry, layout: layout) }
                }
            }
            report.drifts.append(drift)
        }

        // Strays.
        let cutoff = Int64((Date().timeIntervalSince1970 - Double(configuration.incomingGraceSeconds)) * 1e9)
        for entry in incoming where entry.relativePath.hasSuffix(KeptAside.suffix) {
            // Never a stray: possibly an acknowledged object's only copy (see `KeptAside`).
            var drift = Drift(
                kind: .keptAside, path: entry.relativePath,
                detail: "earlier version of a replaced instance, kept aside until the replacement settles")
            if repair {
                let actor = configuration.actor
                let path = entry.relativePath
                var resolution = KeptAside.Resolution.gone
                await attempt(&drift, "settled") {
                    resolution = try await KeptAside.resolve(path, in: layout, io: io, pool: pool, actor: actor)
                }
                if drift.repaired { drift.repair = "settled: \(resolution.rawValue)" }
            }
            report.drifts.append(drift)
        }
        for entry in incoming where entry.modifiedAt < cutoff && !entry.relativePath.hasSuffix(KeptAside.suffix) {
            var drift = Drift(kind: .strayIncoming, path: entry.relativePath, detail: "left in incoming/ by an interrupted receive")
            if repair {
                await attempt(&drift, "removed (never acknowledged)") {
                    try await io.run { () throws(StorageError) in try StorageTree.remove(entry.relativePath, layout: layout) }
                }
            }
            report.drifts.append(drift)
        }
        for entry in unexpected {
            var drift = Drift(
                kind: .unexpectedEntry, path: entry.relativePath,
                detail: entry.isDirectory ? "directory not named by a valid UID" : "not a {study}/{series}/{sop}.dcm instance file")
            if repair {
                let reason = drift.detail
                if entry.isRegularFile {
                    await attempt(&drift, "moved to the quarantine") {
                        let target = try await io.run { () throws(StorageError) in try StorageTree.quarantine(entry.relativePath, layout: layout) }
                        try await pool.withConnection { connection in
                            try await InstanceStore.audit(
                                action: "storage.quarantined", object: nil, outcome: "warning", actor: configuration.actor,
                                details: ["file_path": entry.relativePath, "quarantine_path": target, "reason": reason],
                                on: connection)
                        }
                    }
                } else {
                    drift.repair = "not repaired: move or remove it by hand"
                }
            }
            report.drifts.append(drift)
        }

        // The rows.
        var lastID: Int64 = 0
        while true {
            let page = try await pool.withConnection { connection in
                try await InstanceStore.rowsWithFiles(after: lastID, limit: configuration.pageSize, on: connection)
            }
            guard let last = page.last else { break }
            lastID = last.id
            report.rowsChecked += page.count
            var present: [(StoredInstanceRow, TreeEntry)] = []
            for row in page {
                guard let entry = files.removeValue(forKey: row.filePath) else {
                    var drift = Drift(
                        kind: .rowWithoutFile, path: row.filePath, sopInstanceUID: row.sopInstanceUID,
                        detail: "row in state \(row.storageState) has no file")
                    if repair {
                        await attempt(&drift, "row marked deleted") {
                            try await pool.withTransaction { connection in
                                try await InstanceStore.markFileMissing(row, actor: configuration.actor, on: connection)
                            }
                        }
                    }
                    report.drifts.append(drift)
                    continue
                }
                present.append((row, entry))
                if let area = StorageTree.area(of: row.filePath), area.storageState != row.storageState {
                    var drift = Drift(
                        kind: .stateMismatch, path: row.filePath, sopInstanceUID: row.sopInstanceUID,
                        detail: "row in state \(row.storageState), file in \(area.directory)/")
                    if repair {
                        await attempt(&drift, "state set to \(area.storageState)") {
                            try await pool.withTransaction { connection in
                                try await InstanceStore.relink(row, to: row.filePath, area: area, actor: configuration.actor, on: connection)
                            }
                        }
                    }
                    report.drifts.append(drift)
                }
            }
            report.drifts += await checkContent(present)
        }

        // Files no row points at.
        let indexer = OrphanIndexer(layout: layout, io: io, actor: configuration.actor, onIndexed: configuration.onIndexed)
        for path in files.keys.sorted() {
            var drift = Drift(
                kind: .fileWithoutRow, path: path, sopInstanceUID: StartupRecovery.sopInstanceUID(of: path),
                detail: "no row points at this file")
            if repair {
                do {
                    switch try await indexer.index(path, pool: pool) {
                    case .indexed: drift.repair = "indexed"
                    case .relinked: drift.repair = "row pointed at this file"
                    case .alreadyIndexed: drift.repair = "indexed meanwhile"
                    case .quarantined(let target, let reason): drift.repair = "moved to \(target): \(reason)"
                    }
                    drift.repaired = true
                } catch {
                    drift.repair = "not repaired: \(error)"
                }
            }
            report.drifts.append(drift)
        }
        return report
    }

    /// Size (and checksum) of each present file against its row; re-indexes on repair.
    private func checkContent(_ present: [(StoredInstanceRow, TreeEntry)]) async -> [Drift] {
        let layout = self.layout
        let full = configuration.checksums
        let inspected = await io.runUnchecked {
            present.map { pair -> Result<InspectedFile, StorageError> in
                do throws(StorageError) {
                    return .success(try InstanceFileInspector.inspect(layout.absolute(pair.0.filePath), full: full))
                } catch {
                    return .failure(error)
                }
            }
        }
        var drifts: [Drift] = []
        for (index, (row, _)) in present.enumerated() {
            let result = inspected.map { $0[index] } ?? .failure(StorageError(.ioFailure, "blocking I/O pool unavailable"))
            let file: InspectedFile
            switch result {
            case .failure(let error):
                var drift = Drift(kind: .unreadableFile, path: row.filePath, sopInstanceUID: row.sopInstanceUID, detail: error.message)
                if configuration.repair { drift.repair = "not repaired: inspect the file, restore it from a backup or resend it" }
                drifts.append(drift)
                continue
            case .success(let value):
                file = value
            }
            var drift: Drift?
            if file.dataSetSize != row.sizeBytes {
                drift = Drift(
                    kind: .sizeMismatch, path: row.filePath, sopInstanceUID: row.sopInstanceUID,
                    detail: "data set has \(file.dataSetSize) bytes, row says \(row.sizeBytes)")
            } else if let sha = file.sha256, sha != row.sha256 {
                drift = Drift(
                    kind: .checksumMismatch, path: row.filePath, sopInstanceUID: row.sopInstanceUID,
                    detail: "data set SHA-256 \(InstanceStore.hex(sha)) differs from the row's")
            }
            guard var found = drift else { continue }
            if configuration.repair {
                await reindex(row, &found)
            }
            drifts.append(found)
        }
        return drifts
    }

    private func reindex(_ row: StoredInstanceRow, _ drift: inout Drift) async {
        let layout = self.layout
        let actor = configuration.actor
        do {
            let file = try await io.run { () throws(StorageError) in
                try InstanceFileInspector.inspect(layout.absolute(row.filePath), full: true)
            }
            guard let sha = file.sha256, file.header?.sopInstanceUID == row.sopInstanceUID else {
                drift.repair = "not repaired: the file holds another instance"
                return
            }
            try await pool.withTransaction { connection in
                try await InstanceStore.updateContent(
                    row, sizeBytes: file.dataSetSize, sha256: sha, transferSyntaxUID: file.transferSyntaxUID,
                    actor: actor, on: connection)
            }
            drift.repaired = true
            drift.repair = "row re-indexed from the file"
        } catch {
            drift.repair = "not repaired: \(error)"
        }
    }

    private func attempt(_ drift: inout Drift, _ success: String, _ body: () async throws -> Void) async {
        do {
            try await body()
            drift.repaired = true
            drift.repair = success
        } catch {
            drift.repair = "not repaired: \(error)"
        }
    }
}
