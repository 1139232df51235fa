import DICOMNetwork
import NIOCore
import Storage

/// Writes one received object into `incoming/` behind the network reads.
///
/// The receive loop hands over a chunk and goes back to the socket while a blocking-pool
/// thread hashes and writes it; it waits only when it has the next chunk ready and the
/// previous one is still in flight (one chunk in flight at most, so memory stays bounded at
/// two write buffers). The file is created with its first chunk, so an object refused before
/// any chunk was written never touches the disk, and a small object's whole life in
/// `incoming/` (create, write, fsync, close) is one trip to the pool.
///
/// Used by one task (the association's); not `Sendable`.
final class IncomingWriter {
    private let layout: StorageLayout
    private let io: BlockingIO
    let digest: RunningDigest
    private var file: IncomingFile?
    /// The chunk being written: the file's first (creating it) or a later one.
    private var inFlight: InFlight?
    /// The fsync of the finished file, running while the caller records the rows.
    private var syncing: Syncing?

    private enum InFlight {
        case creating(PendingIO<IncomingFile>)
        case writing(PendingIO<Void>)
    }

    private enum Syncing {
        case creating(PendingIO<IncomingFile>)
        case finishing(IncomingFile, PendingIO<Bool>)
    }
    /// The first write error: later chunks are dropped, the object is refused.
    private(set) var failure: (any Error)?

    /// A finished, durable file and when it became so.
    struct Synced: Sendable {
        var file: IncomingFile
        var at: ContinuousClock.Instant
    }

    init(layout: StorageLayout, io: BlockingIO, digest: RunningDigest) {
        self.layout = layout
        self.io = io
        self.digest = digest
    }

    /// Starts writing `chunk` (hashed on the way) once the previous chunk is written.
    func append(_ chunk: ByteBuffer) async {
        guard await settle() else { return }
        let layout = self.layout
        let io = self.io
        let digest = self.digest
        let inspect: @Sendable (UnsafeRawBufferPointer) -> Void = { digest.update($0) }
        if let file {
            inFlight = .writing(file.startWrite(chunk, inspect: inspect))
        } else {
            inFlight = .creating(IncomingFile.startCreate(in: layout, io: io, writing: chunk, inspect: inspect))
        }
    }

    /// Waits for the chunk in flight; false once a write failed.
    private func settle() async -> Bool {
        if let inFlight {
            self.inFlight = nil
            do {
                switch inFlight {
                case .creating(let created): file = try await created.value
                case .writing(let written): try await written.value
                }
            } catch {
                failure = error
            }
        }
        return failure == nil
    }

    /// Waits for the chunks in flight, so the digest covers everything handed over so far.
    /// - Throws: the first write error.
    func drain() async throws {
        if !(await settle()), let failure { throw failure }
    }

    /// Starts writing `tail` and making the file durable (fsync, close) in the background;
    /// ``synced()`` waits for it. Call after ``drain()``.
    ///
    /// With a `destination`, the same trip to the pool moves the durable file there if
    /// nothing is there yet (`IncomingFile.isPlaced` tells whether it did): for a new
    /// instance, the move and its directory fsync then overlap the rows being written.
    func startSync(writing tail: ByteBuffer, placingAt destination: String? = nil) {
        if let file {
            syncing = .finishing(file, file.startFinish(writing: tail, placingAt: destination))
        } else {
            syncing = .creating(
                IncomingFile.startCreate(in: layout, io: io, writing: tail, durable: true, placingAt: destination))
        }
    }

    /// Waits for the background fsync started by ``startSync(writing:placingAt:)``.
    /// - Throws: its ``StorageError``.
    func synced() async throws -> Synced {
        guard let syncing else { throw ReceiveFailure(.outOfResources, "internal error: the file was never finished") }
        let synced = try await Self.wait(for: syncing)
        file = synced.file
        return synced
    }

    private static func wait(for syncing: Syncing) async throws(StorageError) -> Synced {
        switch syncing {
        case .creating(let created):
            let file = try await created.value
            return Synced(file: file, at: created.finishedAt ?? .now)
        case .finishing(let file, let finished):
            _ = try await finished.value
            return Synced(file: file, at: finished.finishedAt ?? .now)
        }
    }

    /// Waits for the background finish; the file if it is in the tree (placed with its
    /// fsync, or later by `IncomingFile.place(at:replacing:)`), nil when it is not or the
    /// finish failed or never started.
    func placedFile() async -> IncomingFile? {
        guard let syncing, let synced = try? await Self.wait(for: syncing) else { return nil }
        file = synced.file
        return synced.file.isPlaced ? synced.file : nil
    }

    /// Waits for the background finish and, if it moved the file into the tree, takes it out
    /// again while `destination` still names it (`IncomingFile.unplace(from:)`).
    func takeBack(from destination: String) async throws(StorageError) {
        guard let file = await placedFile() else { return }
        try await file.unplace(from: destination)
    }

    /// Waits for every write in flight, then removes the file if one was created (a file
    /// already moved into the tree stays: see ``takeBack(from:)``).
    func discard() async {
        _ = await settle()
        if let syncing {
            self.syncing = nil
            if let synced = try? await Self.wait(for: syncing) { file = synced.file }
        }
        await file?.discard()
    }
}
