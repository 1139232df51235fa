import DICOM
import Foundation
public import PostgresClient

/// Brings a file of the tree that has no row (the crash window between placing a file and
/// committing its rows) back under the database: indexed when it reads back as a valid
/// instance at its right place, else moved to ``StorageTree/quarantine``. Each case is
/// audited with `actor_type` 'system'.
public struct OrphanIndexer: Sendable {
    /// Called inside the transaction that gives an orphan of `storage/studies/` its row, so
    /// what receiving the object would have triggered (forward jobs) commits with the row.
    /// A resend of such an object is an identical duplicate that triggers nothing, so
    /// without this the object would be stored and acknowledged but never forwarded.
    public typealias IndexedHook = @Sendable (
        _ record: InstanceRecord, _ outcome: RecordOutcome, _ connection: PostgresConnection
    ) async throws -> Void

    /// What became of an orphan file.
    public enum Outcome: Sendable, Hashable {
        /// A row now describes the file.
        case indexed
        /// A row of the same instance pointed elsewhere at a missing file; it now points here.
        case relinked
        /// The file was moved to the quarantine (path relative to the root), for `reason`.
        case quarantined(path: String, reason: String)
        /// A row for this path appeared meanwhile (a receiver committed it): nothing to do.
        case alreadyIndexed
    }

    let layout: StorageLayout
    let io: BlockingIO
    let actor: String
    let onIndexed: IndexedHook?

    /// An indexer for the tree under `layout`; `actor` names it in audit events.
    public init(layout: StorageLayout, io: BlockingIO, actor: String, onIndexed: IndexedHook? = nil) {
        self.layout = layout
        self.io = io
        self.actor = actor
        self.onIndexed = onIndexed
    }

    /// Indexes or quarantines the file at `relativePath`.
    ///
    /// - Throws: ``StorageError`` when the file system fails, ``PostgresError`` from the database.
    public func index(_ relativePath: String, pool: PostgresPool) async throws -> Outcome {
        let layout = self.layout
        let absolute = layout.absolute(relativePath)
        let inspected: InspectedFile
        do {
            inspected = try await io.run { () throws(StorageError) in try InstanceFileInspector.inspect(absolute, full: true) }
        } catch where error.code == .unreadable {
            return try await quarantine(relativePath, reason: error.message, pool: pool)
        }
        guard let area = StorageTree.area(of: relativePath),
              let record = Self.record(for: inspected, at: relativePath, in: area)
        else {
            return try await quarantine(relativePath, reason: "its UIDs do not match its place in the tree", pool: pool)
        }
        let step: Step
        do {
            step = try await transaction(record: record, relativePath: relativePath, area: area, pool: pool)
        } catch let error as PostgresError where error.code == .uniqueViolation {
            // A receiver committed this instance while we looked at it.
            return .alreadyIndexed
        }
        switch step {
        case .done(let outcome): return outcome
        case .quarantine(let reason): return try await quarantine(relativePath, reason: reason, pool: pool)
        }
    }

    private enum Step { case done(Outcome), quarantine(String) }

    private func transaction(record: InstanceRecord, relativePath: String, area: StorageArea, pool: PostgresPool) async throws -> Step {
        let layout = self.layout
        let actor = self.actor
        let onIndexed = self.onIndexed
        // Under the instance's lock, as a receiver of the same instance takes it.
        let lock = try InstanceStore.lockStatement(sopInstanceUID: record.uids.sop)
        return try await pool.withTransaction(beginningWith: [lock]) { connection, _ in
            let existing = try await InstanceStore.rows(sopInstanceUIDs: [record.uids.sop], on: connection)[record.uids.sop]
            if let existing, existing.filePath == relativePath, existing.storageState != "deleted" {
                return .done(.alreadyIndexed)
            }
            if let existing, existing.storageState != "deleted" {
                let otherExists = try await io.run { () throws(StorageError) in POSIX.exists(layout.absolute(existing.filePath)) }
                if !otherExists, existing.sha256 == record.sha256 {
                    try await InstanceStore.relink(existing, to: relativePath, area: area, actor: actor, on: connection)
                    return .done(.relinked)
                }
                return .quarantine(otherExists ? "the instance is stored at \(existing.filePath)" : "a row with other content exists")
            }
            let outcome = try await InstanceStore.record(record, policy: "keep-first", on: connection)
            guard outcome.placesFile else { return .quarantine("the database holds other content for this instance") }
            if area != .studies {
                _ = try await connection.execute(
                    "UPDATE dicom_gw.instances SET storage_state = $2::dicom_gw.storage_state WHERE id = $1",
                    [outcome.instanceID, area.storageState]
                )
            }
            try await InstanceStore.audit(
                action: "storage.indexed", object: record.uids.sop, outcome: "warning", actor: actor,
                details: ["file_path": relativePath, "reason": "file without row", "size_bytes": "\(record.sizeBytes)"],
                on: connection
            )
            if area == .studies, let onIndexed { try await onIndexed(record, outcome, connection) }
            return .done(.indexed)
        }
    }

    /// The row values for a file read back at `relativePath`, nil when its UIDs do not
    /// name that place.
    static func record(for file: InspectedFile, at relativePath: String, in area: StorageArea) -> InstanceRecord? {
        guard let header = file.header, let sha = file.sha256,
              let sop = header.sopInstanceUID, let study = header.studyInstanceUID, let series = header.seriesInstanceUID,
              let sopClass = header.sopClassUID, UID.isValid(sopClass)
        else { return nil }
        let uids = InstanceUIDs(study: study, series: series, sop: sop)
        guard let expected = try? StorageLayout.relativePath(of: uids, in: area), expected == relativePath else { return nil }
        if let metaSOP = file.meta.mediaStorageSOPInstanceUID, metaSOP != sop { return nil }
        var record = InstanceRecord(
            uids: uids, sopClassUID: sopClass, transferSyntaxUID: file.transferSyntaxUID,
            filePath: relativePath, sizeBytes: file.dataSetSize, sha256: sha
        )
        record.apply(header)
        if let source = file.meta.sourceAETitle?.trimmingCharacters(in: .whitespaces), !source.isEmpty {
            record.callingAETitle = source
        }
        return record
    }

    private func quarantine(_ relativePath: String, reason: String, pool: PostgresPool) async throws -> Outcome {
        let layout = self.layout
        let target = try await io.run { () throws(StorageError) in try StorageTree.quarantine(relativePath, layout: layout) }
        let sop = relativePath.split(separator: "/").last.map { String($0.dropLast(4)) }
        try await pool.withConnection { connection in
            try await InstanceStore.audit(
                action: "storage.quarantined", object: sop, outcome: "warning", actor: actor,
                details: ["file_path": relativePath, "quarantine_path": target, "reason": reason],
                on: connection
            )
        }
        return .quarantined(path: target, reason: reason)
    }
}
