import Foundation
#if canImport(Glibc)
import Glibc
#endif
public import Logging
public import PostgresClient
public import Storage

/// `dicom-gw storage cleanup`: retention by state (docs/storage-layout.md).
///
/// - `tmp/`, `incoming/`, `queue/`: files (and then empty directories) not modified for
///   ``Configuration/tmpDays`` days. They have no rows.
/// - `failed/` and `forwarded/`: instances whose row has been in state `failed` or
///   `forwarded` for ``Configuration/failedDays`` or ``Configuration/forwardedDays`` days
///   (measured from the row's `updated_at`, which the archiver sets when it moves the file
///   there). The row stays, in state `deleted`, as the archiver's `delete` policy leaves it:
///   its history and deliveries remain for reports. Files in `failed/quarantine/` (no rows)
///   go by modification time after ``Configuration/failedDays``.
///
/// Never touched: anything in `storage/studies/`, and any instance with a live job or an
/// unsettled delivery. Each deletion is audited (`storage.cleanup`, actor `system`
/// `retention`).
///
/// The tree and the rows stay together: inside the transaction that locks the row and sets
/// it `deleted`, the file is first renamed into `tmp/cleanup/{id}.dcm`; on a failed commit it
/// is renamed back, after the commit it is unlinked. A run interrupted between the two finds
/// the file in `tmp/cleanup/` next time and settles it by what its row says.
public struct StorageCleanup: Sendable {
    /// Retention periods and mode.
    public struct Configuration: Sendable {
        /// Days before files in `tmp/`, `incoming/` and `queue/` expire (at least 1, so a
        /// receive in progress is never touched).
        public var tmpDays: Int = 7
        /// Days an object stays in `failed/`.
        public var failedDays: Int = 90
        /// Days an object stays in `forwarded/`.
        public var forwardedDays: Int = 365
        /// List what would go, change nothing.
        public var dryRun: Bool = false
        /// The system actor named in audit events.
        public var actor: String = "retention"
        /// Rows examined per query.
        public var pageSize: Int = 500
        /// Instances removed per transaction.
        public var batchSize: Int = 100

        public init(tmpDays: Int = 7, failedDays: Int = 90, forwardedDays: Int = 365, dryRun: Bool = false) {
            self.tmpDays = tmpDays
            self.failedDays = failedDays
            self.forwardedDays = forwardedDays
            self.dryRun = dryRun
        }
    }

    /// The temporary areas, cleaned by modification time.
    public static let temporaryAreas = ["tmp", "incoming", "queue"]
    /// Where files wait between their row's update and its commit.
    public static let trash = "tmp/cleanup"

    let configuration: Configuration
    let layout: StorageLayout
    let pool: PostgresPool
    let logger: Logger

    /// A cleanup of the tree under `layout` and the rows reached through `pool`.
    public init(configuration: Configuration, layout: StorageLayout, pool: PostgresPool, logger: Logger) {
        self.configuration = configuration
        self.layout = layout
        self.pool = pool
        self.logger = logger
    }

    /// Removes (or lists) every expired file.
    ///
    /// - Throws: ``CleanupError`` for an invalid retention or when a directory cannot be
    ///   listed, ``PostgresError`` when the database cannot be read. A file that cannot be
    ///   removed is not thrown: it is reported with its error and its row left as it was.
    public func run() async throws -> CleanupReport {
        guard configuration.tmpDays >= 1 else {
            throw CleanupError(.invalidRetention, "tmp retention must be at least 1 day (files in incoming/ may be receives in progress)")
        }
        guard configuration.failedDays >= 0, configuration.forwardedDays >= 0 else {
            throw CleanupError(.invalidRetention, "retention days cannot be negative")
        }
        var report = CleanupReport(
            dryRun: configuration.dryRun, tmpDays: configuration.tmpDays,
            failedDays: configuration.failedDays, forwardedDays: configuration.forwardedDays)
        if !configuration.dryRun {
            report.recovered = try await recoverTrash()
        }
        for area in Self.temporaryAreas {
            try await cleanFiles(under: area, area: area, days: configuration.tmpDays, into: &report)
        }
        for (area, days) in [(StorageArea.failed, configuration.failedDays), (.forwarded, configuration.forwardedDays)] {
            try await cleanInstances(in: area, days: days, into: &report)
        }
        try await cleanFiles(under: StorageTree.quarantine, area: "failed", days: configuration.failedDays, into: &report)
        return report
    }

    // MARK: Files without rows

    private func cleanFiles(under directory: String, area: String, days: Int, into report: inout CleanupReport) async throws {
        let layout = self.layout
        let now = Date().timeIntervalSince1970
        let cutoff = now - Double(days) * 86_400
        let files: [TreeEntry]
        do {
            files = try await BlockingIO().run { () throws(StorageError) in try StorageTree.files(under: directory, layout: layout) }
        } catch {
            throw CleanupError(.fileSystem, "cannot list \(directory)/: \(error)")
        }
        let expired = files
            .filter { !$0.relativePath.hasPrefix(Self.trash + "/") && Double($0.modifiedAt) / 1e9 < cutoff }
            // A kept-aside version may be an acknowledged object's only copy: it is settled by
            // content (start-up recovery, `storage verify --repair`), never expired.
            .filter { !$0.relativePath.hasSuffix(KeptAside.suffix) }
            .sorted { $0.relativePath < $1.relativePath }
        for file in expired {
            var entry = CleanupReport.Entry(
                area: area, path: file.relativePath, sopInstanceUID: nil, sizeBytes: file.size,
                ageDays: (now - Double(file.modifiedAt) / 1e9) / 86_400)
            if !configuration.dryRun {
                let ageDays = Int64(entry.ageDays)
                do {
                    try await pool.withTransaction { connection in
                        try await AuditLog.record(
                            AuditEvent(
                                actor: .system(configuration.actor), action: AuditAction.storageCleaned,
                                objectType: "file", objectID: file.relativePath,
                                details: [
                                    "area": .string(area), "file_path": .string(file.relativePath),
                                    "size_bytes": .int(file.size), "age_days": .int(ageDays),
                                    "retention_days": .int(Int64(days)),
                                ]),
                            on: connection)
                        let absolute = layout.absolute(file.relativePath)
                        try await layout.blocking {
                            guard unlink(absolute) == 0 || errno == ENOENT else {
                                throw CleanupError(.fileSystem, "cannot remove \(file.relativePath): \(String(cString: strerror(errno)))")
                            }
                        }
                    }
                    entry.removed = true
                } catch {
                    entry.error = "\(error)"
                    logger.warning("cleanup: \(file.relativePath) not removed: \(error)")
                }
            }
            report.entries.append(entry)
        }
        if !configuration.dryRun {
            await pruneEmptyDirectories(under: directory, olderThan: cutoff)
        }
    }

    /// Removes empty directories below `directory` (never `directory` itself, nor
    /// `tmp/cleanup`) not modified since `cutoff`: a fresh one may be about to be used.
    private func pruneEmptyDirectories(under directory: String, olderThan cutoff: Double) async {
        let layout = self.layout
        let root = layout.absolute(directory)
        _ = try? await layout.blocking {
            guard let enumerator = FileManager.default.enumerator(atPath: root) else { return }
            var directories: [String] = []
            while let name = enumerator.nextObject() as? String {
                let relative = directory + "/" + name
                guard relative != Self.trash, let entry = try? StorageTree.entry(relative, layout: layout), entry.isDirectory else { continue }
                if Double(entry.modifiedAt) / 1e9 < cutoff { directories.append(layout.absolute(relative)) }
            }
            // Deepest first, so a parent emptied by its children goes too; rmdir refuses
            // a directory that is not empty.
            for path in directories.sorted(by: { $0.count > $1.count }) { _ = rmdir(path) }
        }
    }

    // MARK: Instances

    /// An expired instance row.
    struct Candidate: Sendable {
        var id: Int64
        var sopInstanceUID: String
        var filePath: String
        var sizeBytes: Int64
        var ageDays: Double
    }

    /// Rows in `$2` state whose file is under `$3` (a LIKE prefix), unchanged for `$4` days,
    /// with no live job and no unsettled delivery.
    static let expiredCondition = """
        i.storage_state = $2::text::dicom_gw.storage_state
        AND i.file_path LIKE $3::text
        AND i.updated_at < now() - make_interval(days => $4::int)
        AND NOT EXISTS (SELECT 1 FROM dicom_gw.deliveries d
                         WHERE d.instance_id = i.id AND (d.state = 'pending' OR NOT d.settled))
        AND NOT EXISTS (SELECT 1 FROM dicom_gw.jobs j WHERE j.payload ->> 'instance_id' = i.id::text)
        """

    static let candidateColumns = """
        i.id, i.sop_instance_uid::text AS sop, i.file_path, i.size_bytes,
        (extract(epoch FROM now() - i.updated_at) / 86400)::float8 AS age_days
        """

    private func cleanInstances(in area: StorageArea, days: Int, into report: inout CleanupReport) async throws {
        let prefix = area.directory + "/%"
        var lastID: Int64 = 0
        while true {
            let rows = try await pool.query(
                "SELECT \(Self.candidateColumns) FROM dicom_gw.instances i WHERE i.id > $1 AND \(Self.expiredCondition) ORDER BY i.id LIMIT $5::int",
                [lastID, area.storageState, prefix, days, configuration.pageSize])
            // Belt and braces over the query: nothing outside the area's own directory.
            let page = try rows.map(Self.candidate)
            guard let last = page.last else { break }
            lastID = last.id
            let candidates = page.filter { $0.filePath.hasPrefix(area.directory + "/") && !$0.filePath.contains("..") }
            for start in stride(from: 0, to: candidates.count, by: configuration.batchSize) {
                let batch = Array(candidates[start..<min(start + configuration.batchSize, candidates.count)])
                var outcomes: [Int64: Outcome] = [:]
                if !configuration.dryRun {
                    do {
                        outcomes = try await remove(batch, area: area, days: days)
                    } catch {
                        logger.warning("cleanup: \(batch.count) file(s) of \(area.directory)/ not removed: \(error)")
                        for candidate in batch { outcomes[candidate.id] = .failed("\(error)") }
                    }
                }
                for candidate in batch {
                    var entry = CleanupReport.Entry(
                        area: area.directory, path: candidate.filePath, sopInstanceUID: candidate.sopInstanceUID,
                        sizeBytes: candidate.sizeBytes, ageDays: candidate.ageDays)
                    switch outcomes[candidate.id] {
                    case .removed, .missing:
                        entry.removed = true
                        report.rowsUpdated += 1
                    case .failed(let message):
                        entry.error = message
                    case .parked:
                        continue  // not reached: remove(_:) settles every parked file
                    case nil:
                        // Dry run, or changed since the page was read (no longer expired).
                        guard configuration.dryRun else { continue }
                    }
                    report.entries.append(entry)
                }
            }
        }
    }

    /// What became of one candidate of a batch.
    enum Outcome: Sendable, Equatable {
        /// Moved into `tmp/cleanup/` inside the transaction (transient).
        case parked
        /// File and row gone together.
        case removed
        /// The row said there was a file and there was none: the row is marked deleted.
        case missing
        /// The file could not be moved; its row is untouched.
        case failed(String)
    }

    /// Removes a batch of instances' files and marks their rows deleted, in one transaction:
    /// the rows are locked and re-checked, each file is parked in `tmp/cleanup/`, the rows
    /// updated and each deletion audited; after the commit the parked files are unlinked, on
    /// a failure they are put back.
    /// - Returns: the outcome per instance id; ids absent no longer qualified.
    private func remove(_ batch: [Candidate], area: StorageArea, days: Int) async throws -> [Int64: Outcome] {
        let layout = self.layout
        let trashDirectory = layout.absolute(Self.trash)
        var outcomes: [Int64: Outcome] = [:]
        do {
            try await pool.withTransaction { connection in
                let locked = try await connection.query(
                    "SELECT i.id FROM dicom_gw.instances i WHERE i.id = ANY($1::bigint[]) AND \(Self.expiredCondition) ORDER BY i.id FOR UPDATE OF i",
                    [batch.map(\.id), area.storageState, area.directory + "/%", days])
                let ids = Set(try locked.map { try $0.decode(Int64.self, column: "id") })
                let chosen = batch.filter { ids.contains($0.id) }
                guard !chosen.isEmpty else { return }
                outcomes = try await layout.blocking { () throws -> [Int64: Outcome] in
                    if mkdir(trashDirectory, mode_t(StorageLayout.directoryMode)) != 0, errno != EEXIST {
                        throw CleanupError(.fileSystem, "cannot create \(Self.trash): \(String(cString: strerror(errno)))")
                    }
                    var result: [Int64: Outcome] = [:]
                    for candidate in chosen {
                        if rename(layout.absolute(candidate.filePath), "\(trashDirectory)/\(candidate.id).dcm") == 0 {
                            result[candidate.id] = .parked
                        } else if errno == ENOENT {
                            result[candidate.id] = .missing
                        } else {
                            result[candidate.id] = .failed("cannot move \(candidate.filePath) aside: \(String(cString: strerror(errno)))")
                        }
                    }
                    return result
                }
                let settled = chosen.filter { outcomes[$0.id] == .parked || outcomes[$0.id] == .missing }
                guard !settled.isEmpty else { return }
                _ = try await connection.execute(
                    "UPDATE dicom_gw.instances SET storage_state = 'deleted', updated_at = now() WHERE id = ANY($1::bigint[])",
                    [settled.map(\.id)])
                for candidate in settled {
                    let missing = outcomes[candidate.id] == .missing
                    var details: [String: AuditValue] = [
                        "area": .string(area.directory), "file_path": .string(candidate.filePath),
                        "previous_state": .string(area.storageState), "size_bytes": .int(candidate.sizeBytes),
                        "age_days": .int(Int64(candidate.ageDays)), "retention_days": .int(Int64(days)),
                    ]
                    if missing { details["file_missing"] = .bool(true) }
                    try await AuditLog.record(
                        AuditEvent(
                            actor: .system(configuration.actor), action: AuditAction.storageCleaned, objectType: "instance",
                            objectID: candidate.sopInstanceUID, outcome: missing ? .warning : .success, details: details),
                        on: connection)
                }
            }
        } catch {
            let parked = batch.filter { outcomes[$0.id] == .parked }
            try? await layout.blocking {
                for candidate in parked { _ = rename("\(trashDirectory)/\(candidate.id).dcm", layout.absolute(candidate.filePath)) }
            }
            throw error
        }
        // Committed: the rows say the files are gone. An unlink that fails here leaves the file
        // in tmp/cleanup/, where the next run's recovery removes it.
        let parked = batch.filter { outcomes[$0.id] == .parked }
        try? await layout.blocking {
            for candidate in parked {
                _ = unlink("\(trashDirectory)/\(candidate.id).dcm")
                Self.removeEmptyParents(of: layout.absolute(candidate.filePath), below: layout.absolute(area.directory))
            }
        }
        for candidate in parked { outcomes[candidate.id] = .removed }
        return outcomes
    }

    /// Removes the series and study directories of a removed file when they are empty.
    static func removeEmptyParents(of path: String, below areaRoot: String) {
        var directory = (path as NSString).deletingLastPathComponent
        while directory.count > areaRoot.count, directory.hasPrefix(areaRoot + "/") {
            guard rmdir(directory) == 0 else { return }
            directory = (directory as NSString).deletingLastPathComponent
        }
    }

    static func candidate(_ row: PostgresRow) throws -> Candidate {
        Candidate(
            id: try row.decode(column: "id"), sopInstanceUID: try row.decode(column: "sop"),
            filePath: try row.decode(column: "file_path"), sizeBytes: try row.decode(column: "size_bytes"),
            ageDays: try row.decode(column: "age_days"))
    }

    // MARK: Recovery

    /// Settles files an interrupted run left in `tmp/cleanup/`: removed when their row is
    /// deleted (or gone), put back where the row says otherwise.
    /// - Returns: how many were settled.
    private func recoverTrash() async throws -> Int {
        let layout = self.layout
        let trashDirectory = layout.absolute(Self.trash)
        let names = try await layout.blocking { () -> [String] in
            (try? FileManager.default.contentsOfDirectory(atPath: trashDirectory)) ?? []
        }
        var settled = 0
        for name in names where name.hasSuffix(".dcm") {
            guard let id = Int64(name.dropLast(4)) else { continue }
            let parked = "\(trashDirectory)/\(name)"
            let rows = try await pool.query(
                "SELECT file_path, storage_state::text AS state FROM dicom_gw.instances WHERE id = $1", [id])
            let row = try rows.first.map { (path: try $0.decode(String.self, column: "file_path"), state: try $0.decode(String.self, column: "state")) }
            let target = row.flatMap { $0.state == "deleted" ? nil : layout.absolute($0.path) }
            try await layout.blocking {
                if let target, !FileManager.default.fileExists(atPath: target) {
                    try FileManager.default.createDirectory(
                        atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                        attributes: [.posixPermissions: Int(StorageLayout.directoryMode)])
                    guard rename(parked, target) == 0 else {
                        throw CleanupError(.fileSystem, "cannot put \(name) back: \(String(cString: strerror(errno)))")
                    }
                } else {
                    _ = unlink(parked)
                }
            }
            logger.notice("cleanup: settled \(Self.trash)/\(name) left by an interrupted run")
            settled += 1
        }
        return settled
    }
}
