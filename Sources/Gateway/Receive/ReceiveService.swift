public import DICOM
public import DICOMNetwork
import Foundation
public import Logging
public import Metrics
import NIOCore
public import PostgresClient
public import Storage

/// Stores each received C-STORE durably and records it, in the order that makes `0000` a
/// promise (docs/architecture: invariant 1):
///
/// 1. the data set streams into `incoming/` as a Part 10 file, its header parsed and its
///    SHA-256 computed on the way: an object up to `wholeObjectSize` (1 MB) is gathered and
///    written in one trip after its last byte, a larger one in chunks hashed and written on
///    a blocking-pool thread while the next ones arrive, so memory stays bounded whatever
///    the object's size;
/// 2. the UIDs that become path components and the SOP class/instance are validated;
/// 3. the file's fsync runs while one transaction records the rows (and, through
///    ``ReceiveHooks``, the forward jobs) and the audit event, its BEGIN, the instance's
///    statement and the hooks' reads sent together in one round trip; the durable file moves
///    into the tree and its directory is fsynced, in the same trip as the fsync when nothing
///    is at its path (a new instance), else once the rows say what to do with the file
///    there; then the transaction commits;
/// 4. only then is `0000` answered. Any failure answers a failure status with an Error
///    Comment, removes the partial file and commits nothing.
public struct ReceiveService: StoreHandler {
    /// How the receiver behaves.
    public struct Configuration: Sendable {
        /// What to do with different content under a known SOP Instance UID.
        public var duplicatePolicy: DuplicatePolicy = .keepFirst
        /// An object up to this size is written, fsynced and placed in one trip to the
        /// blocking pool after its last byte: on the benchmark VM that took 20% less CPU per
        /// 0.5 MB CT object than writing it behind the network reads in 256 KB chunks
        /// (docs/performance.md). A larger object hands this much over as its first chunk.
        public var wholeObjectSize: Int = 1024 * 1024
        /// After the first chunk, bytes gathered before each write of a larger object; each
        /// association holds at most two such buffers. Smaller than ``wholeObjectSize``:
        /// allocating and freeing 1 MB buffers from several threads through a 500 MB object
        /// left ~7 MB more in the allocator's arenas (peak RSS 64.6 against 57 MB).
        public var writeBufferSize: Int = 256 * 1024

        public init(duplicatePolicy: DuplicatePolicy = .keepFirst) {
            self.duplicatePolicy = duplicatePolicy
        }
    }

    private let configuration: Configuration
    private let layout: StorageLayout
    private let io: BlockingIO
    private let pool: PostgresPool
    private let hooks: (any ReceiveHooks)?
    private let metrics: ReceiveMetrics
    private let logger: Logger

    /// A receiver writing under `layout` and recording through `pool`.
    public init(
        configuration: Configuration,
        layout: StorageLayout,
        pool: PostgresPool,
        io: BlockingIO = BlockingIO(),
        hooks: (any ReceiveHooks)? = nil,
        metricsFactory: (any MetricsFactory)? = nil,
        logger: Logger
    ) {
        self.metrics = ReceiveMetrics(factory: metricsFactory)
        self.configuration = configuration
        self.layout = layout
        self.pool = pool
        self.io = io
        self.hooks = hooks
        self.logger = logger
    }

    public func store(_ request: StoreRequest, dataSet: DataSetStream) async -> StoreResult {
        var logger = self.logger
        logger[metadataKey: LogKey.associationID] = "\(request.association.id)"
        logger[metadataKey: LogKey.callingAE] = "\(request.association.callingAETitle)"
        logger[metadataKey: GatewayLogKey.sopInstanceUID] = "\(request.sopInstanceUID)"

        var timings = StoreTimings()
        var bytes: Int64 = 0
        let result: StoreResult
        do {
            result = try await receive(request, dataSet: dataSet, timings: &timings, bytes: &bytes, logger: logger)
        } catch let failure as ReceiveFailure {
            result = failure.result
            logger.warning(
                "C-STORE refused",
                metadata: [
                    LogKey.status: "\(failure.result.status)",
                    LogKey.error: "\(failure.result.errorComment ?? "")",
                ]
            )
        } catch {
            result = .failure(.outOfResources, ReceiveFailure.comment("internal error: \(error)"))
            logger.error("C-STORE failed", metadata: [LogKey.error: "\(error)"])
        }
        timings.mark(.answered)
        timings.log(to: logger)
        metrics.record(result, bytes: bytes, timings: timings)
        return result
    }

    private func receive(
        _ request: StoreRequest, dataSet: DataSetStream, timings: inout StoreTimings, bytes: inout Int64, logger: Logger
    ) async throws -> StoreResult {
        // Nothing from the wire names a path before it passes the UID rules.
        guard UID.isValid(request.sopInstanceUID) else {
            throw ReceiveFailure(.cannotUnderstand, "Affected SOP Instance UID is not a valid UID")
        }
        guard UID.isValid(request.sopClassUID) else {
            throw ReceiveFailure(.cannotUnderstand, "Affected SOP Class UID is not a valid UID")
        }
        guard UID.isValid(request.transferSyntaxUID) else {
            throw ReceiveFailure(.cannotUnderstand, "transfer syntax UID is not a valid UID")
        }
        let transferSyntax = TransferSyntax.forUID(request.transferSyntaxUID)
        let meta: [UInt8]
        do {
            meta = try FileMetaInformation.header(
                sopClassUID: request.sopClassUID,
                sopInstanceUID: request.sopInstanceUID,
                transferSyntax: transferSyntax,
                sourceAETitle: request.association.callingAETitle
            )
        } catch {
            throw ReceiveFailure(.cannotUnderstand, "cannot write file meta: \(error.message)")
        }

        let writer = IncomingWriter(layout: layout, io: io, digest: RunningDigest(skipping: meta.count))
        do {
            let extraTags = await hooks?.extraTags() ?? []
            let received = try await write(meta: meta, transferSyntax: transferSyntax, dataSet: dataSet, to: writer, extraTags: extraTags)
            bytes = received.dataSetBytes
            timings.mark(.received)
            let record = try validate(request, received: received)
            try await commit(
                record, extraValues: received.extraValues, writer: writer, tail: received.tail, timings: &timings, logger: logger)
            return .success
        } catch let failure as ReceiveFailure where failure.result == .success {
            // A duplicate acknowledged without being stored.
            await writer.discard()
            return .success
        } catch {
            await writer.discard()
            throw error
        }
    }

    /// What streaming the data set yielded.
    private struct Received {
        var header: InstanceHeader?
        var parseError: DICOMError?
        var dataSetBytes: Int64
        /// Bytes not yet written to the file, nor hashed.
        var tail: ByteBuffer
        /// The values of the hooks' extra tags found at the top level of the data set.
        var extraValues: [Tag: String] = [:]
    }

    /// Writes the Part 10 meta header and the data set bytes as received, parsing the header
    /// elements as they pass; the writer hashes and writes behind the network reads.
    private func write(
        meta: [UInt8],
        transferSyntax: TransferSyntax,
        dataSet: DataSetStream,
        to writer: IncomingWriter,
        extraTags: Set<Tag> = []
    ) async throws -> Received {
        var pending = ByteBuffer()
        var chunkSize = configuration.wholeObjectSize
        pending.reserveCapacity(chunkSize + 65536)
        pending.writeBytes(meta)

        var collector: DataSetHeaderCollector?
        var parseError: DICOMError?
        do {
            var collecting = DataSetHeaderCollector.Configuration()
            collecting.tags.formUnion(extraTags)
            collector = try DataSetHeaderCollector(transferSyntax: transferSyntax, configuration: collecting)
        } catch {
            parseError = error
        }
        var bytes: Int64 = 0

        do {
            for try await fragment in dataSet {
                bytes += Int64(fragment.readableBytes)
                if parseError == nil, let collector {
                    fragment.withUnsafeReadableBytes { raw in
                        do throws(DICOMError) { try collector.feed(raw) } catch { parseError = error }
                    }
                }
                // After a write error keep reading, so the association stays in step and
                // the answer goes back after the whole data set.
                guard writer.failure == nil else { continue }
                var fragment = fragment
                pending.writeBuffer(&fragment)
                if pending.readableBytes >= chunkSize {
                    // The chunk goes to the writer whole; a fresh buffer takes the next one.
                    await writer.append(pending)
                    chunkSize = configuration.writeBufferSize
                    pending = ByteBuffer()
                    pending.reserveCapacity(chunkSize + 65536)
                }
            }
        } catch {
            // The association ended or broke mid-object: nothing to answer, nothing kept.
            throw ReceiveFailure(.outOfResources, "association ended during the data set: \(error)")
        }
        do {
            try await writer.drain()
        } catch {
            throw ReceiveFailure(error)
        }
        var header: InstanceHeader?
        if parseError == nil, let collector {
            do { header = try collector.finish() } catch { parseError = error }
        }
        var extraValues: [Tag: String] = [:]
        if let collector, !extraTags.isEmpty {
            let elements = collector.elements
            for tag in extraTags { extraValues[tag] = elements.string(tag) }
        }
        return Received(
            header: header, parseError: parseError, dataSetBytes: bytes, tail: pending,
            extraValues: extraValues)
    }
    /// Checks the parsed header against the command and builds the row values (the digest
    /// is filled in by ``commit``, once the tail is hashed).
    private func validate(_ request: StoreRequest, received: Received) throws -> InstanceRecord {
        if let error = received.parseError {
            let offset = error.offset.map { " at offset \($0)" } ?? ""
            throw ReceiveFailure(.cannotUnderstand, "data set unreadable\(offset): \(error.message)")
        }
        guard let header = received.header else {
            throw ReceiveFailure(.cannotUnderstand, "data set unreadable")
        }
        guard header.sopInstanceUID == request.sopInstanceUID else {
            throw ReceiveFailure(.dataSetDoesNotMatchSOPClass, "SOP Instance UID in data set differs from command")
        }
        guard header.sopClassUID == request.sopClassUID else {
            throw ReceiveFailure(.dataSetDoesNotMatchSOPClass, "SOP Class UID in data set differs from command")
        }
        guard let study = header.studyInstanceUID, UID.isValid(study) else {
            throw ReceiveFailure(.cannotUnderstand, "Study Instance UID missing or invalid")
        }
        guard let series = header.seriesInstanceUID, UID.isValid(series) else {
            throw ReceiveFailure(.cannotUnderstand, "Series Instance UID missing or invalid")
        }
        let uids = InstanceUIDs(study: study, series: series, sop: request.sopInstanceUID)
        let path: String
        do {
            path = try StorageLayout.relativePath(of: uids)
        } catch {
            throw ReceiveFailure(.cannotUnderstand, error.message)
        }
        var record = InstanceRecord(
            uids: uids,
            sopClassUID: request.sopClassUID,
            transferSyntaxUID: request.transferSyntaxUID,
            filePath: path,
            sizeBytes: received.dataSetBytes,
            sha256: []
        )
        record.apply(header)
        record.callingAETitle = request.association.callingAETitle
        record.calledAETitle = request.association.calledAETitle
        record.peerAddress = request.association.peerAddress
        record.associationID = AssociationIdentity.uuid(for: request.association.id)
        return record
    }

    /// The file's fsync runs while the rows, jobs and audit event are written. The file moves
    /// into the tree (directory fsynced) right after its fsync when its path is free, which
    /// is the case for every new instance; otherwise once the rows said it replaces the file
    /// there. The commit is the only step that must wait for both sides; a failure, or an
    /// outcome that keeps the existing file, takes the early-placed file out again.
    private func commit(
        _ unhashed: InstanceRecord, extraValues: [Tag: String], writer: IncomingWriter, tail: ByteBuffer, timings: inout StoreTimings, logger: Logger
    ) async throws {
        // The tail (a whole object up to `wholeObjectSize`) is written, fsynced and
        // placed on a pool thread while this one hashes it: the rows need the digest, the
        // file does not. This thread is the association's event loop: the SHA-256 of 1 MB
        // takes about 0.7 ms here, the price of not adding a hand-off to every object (with
        // eight senders on two loops this measured faster than hashing on the cooperative
        // pool, docs/performance.md "Session 8").
        writer.startSync(writing: tail, placingAt: unhashed.filePath)
        tail.withUnsafeReadableBytes { writer.digest.update($0) }
        var hashed = unhashed
        hashed.sha256 = writer.digest.finalize()
        timings.mark(.hashed)
        let record = hashed
        let policy = configuration.duplicatePolicy.description
        let hooks = self.hooks
        let layout = self.layout
        let io = self.io
        // A replaced file is kept aside (a hard link in incoming/) until the commit, so a
        // failed commit can put the acknowledged version back instead of losing it.
        var displaced: String?
        // What the statements said, and the transaction's ID: should the connection break
        // during COMMIT, the server says afterwards whether it committed.
        var recorded: RecordOutcome?
        var transactionID: Int64?
        do {
            var inner = timings
            // The instance's lock and statement, the transaction's ID and the hooks' reads go
            // with the BEGIN: one round trip.
            let first = try [
                InstanceStore.lockStatement(sopInstanceUID: record.uids.sop),
                InstanceStore.statement(recording: record, policy: policy),
                PostgresStatement.currentTransactionID,
            ] + (hooks?.prefetch() ?? [])
            var outcome: RecordOutcome
            do {
                outcome = try await pool.withTransaction(beginningWith: first) { connection, rows -> RecordOutcome in
                    inner.mark(.begun)
                    let outcome = try InstanceStore.outcome(rows[1])
                    transactionID = try rows[2].first?.decode(Int64.self, at: 0)
                    guard outcome.placesFile else {
                        // Not stored (a duplicate, or refused): a file moved into the tree with
                        // its fsync comes out again now, while this transaction holds the
                        // instance's lock, so no concurrent receiver of the same instance has
                        // placed its own there meanwhile.
                        do { try await writer.takeBack(from: record.filePath) } catch { throw ReceiveFailure(error) }
                        recorded = outcome
                        return outcome
                    }
                    try await hooks?.instanceRecorded(
                        record, extraValues: extraValues, outcome: outcome, prefetched: Array(rows.dropFirst(3)), on: connection)
                    inner.mark(.statements)
                    do {
                        let synced = try await writer.synced()
                        inner.mark(.fileSynced, at: synced.at)
                        if synced.file.isPlaced {
                            inner.mark(.placed, at: synced.at)
                        } else {
                            // Not placed with the fsync: something was at the path (the replaced
                            // version, or a file without a row, which is overwritten).
                            if outcome.kind == .replaced {
                                displaced = try await io.run { () throws(StorageError) in
                                    try StorageFiles.keepAside(record.filePath, in: layout)
                                }
                            }
                            try await synced.file.place(at: record.filePath, replacing: true)
                            inner.mark(.placed)
                        }
                    } catch {
                        throw ReceiveFailure(error)
                    }
                    recorded = outcome
                    return outcome
                }
            } catch let error as PostgresError where error.code == .commitOutcomeUnknown {
                guard let recorded, let transactionID else { throw error }
                switch await pool.settledOutcome(ofTransaction: transactionID) {
                case .committed:
                    logger.warning("the database connection broke during COMMIT; the transaction did commit")
                    outcome = recorded
                case .aborted:
                    throw error
                case .inProgress, .unknown:
                    throw CommitInDoubt(cause: error)
                }
            }
            timings = inner
            timings.mark(.committed)
            switch outcome.kind {
            case .stored, .replaced:
                await removeSuperseded(displaced: displaced, previousPath: outcome.previousPath, current: record.filePath, logger: logger)
                logger.info(
                    "stored",
                    metadata: [
                        GatewayLogKey.outcome: "\(outcome.kind)",
                        GatewayLogKey.bytes: "\(record.sizeBytes)",
                    ]
                )
            case .rejected:
                throw ReceiveFailure(.duplicateSOPInstance, "SOP Instance UID already stored with different content")
            default:
                logger.info("duplicate acknowledged, not stored", metadata: [GatewayLogKey.outcome: "\(outcome.kind)"])
                throw ReceiveFailure.acknowledgedDuplicate
            }
        } catch let doubt as CommitInDoubt {
            // Whether the rows committed is unknown, so the tree is left as it is: the file
            // in place is right if they did, and a resend settles it if they did not (its
            // rows then say what to do with the file there). A kept-aside earlier version
            // stays in incoming/ until `KeptAside` settles it by content, tried here in the
            // background and again at start-up.
            logger.error(
                "the database connection broke during COMMIT and the server could not say whether it committed; the file stays in the tree",
                metadata: [LogKey.error: "\(doubt.cause)", GatewayLogKey.path: "\(record.filePath)"]
                    .merging(displaced.map { ["kept_aside": "\($0)"] } ?? [:]) { first, _ in first })
            if let displaced { settleLater(displaced, logger: logger) }
            throw ReceiveFailure(.outOfResources, "database unavailable during commit")
        } catch {
            // Not stored: what this attempt put in the tree comes out again (a crash in
            // between is mended by start-up recovery and `storage verify`).
            await undo(writer, path: record.filePath, sopInstanceUID: record.uids.sop, displaced: displaced, logger: logger)
            if let failure = error as? ReceiveFailure { throw failure }
            if let error = error as? PostgresError {
                throw ReceiveFailure(.outOfResources, "database unavailable: \(error.code)")
            }
            throw error
        }
    }

    /// A COMMIT whose outcome the server could not tell.
    private struct CommitInDoubt: Error {
        var cause: PostgresError
    }

    /// Undoes what a receive whose transaction did not commit put in the tree: the file
    /// placed (early or late) comes out, or the replaced version it displaced goes back, but
    /// only while the path still names this attempt's file. Done under the instance's lock
    /// (``InstanceStore/lockStatement(sopInstanceUID:)``), so no concurrent receiver of the
    /// same instance is placing its own file meanwhile; with the database unreachable, no
    /// receiver can be (each places inside its transaction), and it is done without.
    private func undo(_ writer: IncomingWriter, path: String, sopInstanceUID: String, displaced: String?, logger: Logger) async {
        let placed = await writer.placedFile()
        guard placed != nil || displaced != nil else { return }  // (a duplicate took its file back already)
        var done = false
        func undoFiles() async {
            guard !done else { return }
            done = true
            do {
                if let file = placed {
                    if let displaced {
                        try await file.restore(displaced, at: path)
                    } else {
                        try await file.unplace(from: path)
                    }
                } else if let displaced {
                    await removeQuietly(displaced, logger: logger)
                }
            } catch {
                logger.error(
                    "could not take back a file whose rows were not committed",
                    metadata: [LogKey.error: "\(error)", GatewayLogKey.path: "\(path)"])
            }
        }
        do {
            try await pool.withTransaction(beginningWith: [InstanceStore.lockStatement(sopInstanceUID: sopInstanceUID)]) { _, _ in
                await undoFiles()
            }
        } catch {
            await undoFiles()
        }
    }

    /// Settles a kept-aside version whose replacement's commit was in doubt
    /// (``KeptAside/resolve(_:in:io:pool:actor:)``), trying every 10 s for up to an hour
    /// while the database cannot answer; start-up recovery tries again after that. Not
    /// awaited: the sender has its answer already.
    private func settleLater(_ aside: String, logger: Logger) {
        let (layout, io, pool) = (self.layout, self.io, self.pool)
        Task {
            for _ in 0..<360 {
                do {
                    let resolution = try await KeptAside.resolve(aside, in: layout, io: io, pool: pool, actor: "dicom-gw receiver")
                    logger.notice("kept-aside version settled", metadata: ["kept_aside": "\(aside)", GatewayLogKey.outcome: "\(resolution.rawValue)"])
                    return
                } catch {
                    logger.debug("cannot settle the kept-aside version yet", metadata: [LogKey.error: "\(error)"])
                }
                do { try await Task.sleep(for: .seconds(10)) } catch { return }
            }
            logger.warning("kept-aside version not settled; start-up recovery or `storage verify --repair` will", metadata: ["kept_aside": "\(aside)"])
        }
    }

    /// After a committed replacement: drop the kept-aside old version, and the old file
    /// when it lived elsewhere (e.g. `forwarded/`).
    private func removeSuperseded(displaced: String?, previousPath: String?, current: String, logger: Logger) async {
        if let displaced { await removeQuietly(displaced, logger: logger) }
        if let previousPath, previousPath != current { await removeQuietly(previousPath, logger: logger) }
    }

    private func removeQuietly(_ path: String, logger: Logger) async {
        let absolute = layout.absolute(path)
        do {
            try await io.run { () throws(StorageError) in try StorageFiles.remove(absolute) }
        } catch where error.code == .notFound {
            return
        } catch {
            logger.warning("could not remove a superseded file", metadata: [LogKey.error: "\(error)", GatewayLogKey.path: "\(path)"])
        }
    }
}

/// Forwarding plugs in here: called inside the receive transaction for every instance that
/// was stored or replaced, before the file moves into the tree and the transaction commits.
public protocol ReceiveHooks: Sendable {
    /// Top-level tags, beyond those recorded in the instance row, whose values the hooks want
    /// (the tags route conditions name); asked once per object before its data set streams.
    func extraTags() async -> Set<Tag>

    /// Reads the hooks need for every instance, sent in the receive transaction's first round
    /// trip beside the BEGIN and the instance's own statement (e.g. the routes); their rows
    /// come back to ``instanceRecorded(_:extraValues:outcome:prefetched:on:)``.
    func prefetch() throws -> [PostgresStatement]

    /// Enqueue what the new instance triggers (forward jobs), on `connection`.
    ///
    /// - Parameters:
    ///   - extraValues: the values of ``extraTags()`` found at the top level of the data set
    ///     (a tag absent from the data set is absent here).
    ///   - prefetched: the rows of ``prefetch()``'s statements, in order.
    func instanceRecorded(
        _ record: InstanceRecord, extraValues: [Tag: String], outcome: RecordOutcome, prefetched: [PostgresRows],
        on connection: PostgresConnection
    ) async throws
}

extension ReceiveHooks {
    /// None.
    public func extraTags() async -> Set<Tag> { [] }

    /// None.
    public func prefetch() throws -> [PostgresStatement] { [] }
}
