import Foundation
public import NIOCore
import Synchronization

/// A file being received in `incoming/`, written exclusively by one receiver, then either
/// placed into the tree atomically or discarded.
///
/// Nothing partial ever appears in the tree: bytes go to `incoming/{uuid}.part`, are
/// fsynced, and only then linked into place (and the directory fsynced). Every call blocks
/// on a thread pool, never on the caller's executor.
public final class IncomingFile: Sendable {
    /// The file's path relative to the storage root while it is in `incoming/`.
    public let relativePath: String

    private let layout: StorageLayout
    private let io: BlockingIO
    private let descriptor: Int32
    private let state = Mutex(State.open)
    /// Bytes written since the kernel was last asked to start writing back.
    private let unflushed = Mutex(0)
    /// The file's identity once placed (by ``startFinish(writing:placingAt:)``, a `startCreate` that
    /// places, or ``place(at:replacing:)``), so ``unplace(from:)`` and
    /// ``restore(_:at:)`` undo the placement and nothing that replaced the file since.
    private let placedIdentity = Mutex<POSIX.FileIdentity?>(nil)

    /// How many written bytes gather before the kernel is asked to start writing them back
    /// (`sync_file_range`), so the final fsync of a large object waits only for the last
    /// part. Each request costs a round of block I/O submissions (on a VM, exits to the
    /// host): asking after every 256 KB chunk made receiving a 0.5 MB object ~15% slower
    /// than asking never (docs/performance.md), so objects below this size never ask.
    public static let writebackInterval = 8 * 1024 * 1024

    private enum State { case open, closed, placed, discarded }

    private init(relativePath: String, descriptor: Int32, layout: StorageLayout, io: BlockingIO, closed: Bool = false) {
        self.relativePath = relativePath
        self.descriptor = descriptor
        self.layout = layout
        self.io = io
        if closed { state.withLock { $0 = .closed } }
    }

    deinit {
        // A receiver that dropped its file without `discard()` leaves a `.part` behind for
        // start-up recovery to remove; at least do not leak the descriptor.
        let leaked = state.withLock { $0 == .open }
        if leaked { POSIX.closeDescriptor(descriptor) }
    }

    /// Creates a new, empty file in `incoming/` with mode 0640 (and the layout's owner).
    public static func create(in layout: StorageLayout, io: BlockingIO) async throws(StorageError) -> IncomingFile {
        let relative = newRelativePath()
        let fd = try await io.run { () throws(StorageError) -> Int32 in
            try openNew(layout.absolute(relative), layout: layout)
        }
        return IncomingFile(relativePath: relative, descriptor: fd, layout: layout, io: io)
    }

    /// Starts creating a new file in `incoming/` and writing the readable bytes of `buffer`,
    /// in one trip to the blocking pool (a receiver creates its file only once it has bytes
    /// to write); returns at once, and the pending result is the file.
    ///
    /// - Parameters:
    ///   - buffer: the first bytes of the file.
    ///   - durable: also fsync and close the file, ready for ``place(at:replacing:)``: the
    ///     whole life of a small file in one trip.
    ///   - destination: with `durable`, then also move the file there if nothing is there
    ///     yet, as ``startFinish(writing:placingAt:)`` does; ``isPlaced`` tells whether it was.
    ///   - inspect: sees the bytes on the pool thread before they are written (e.g. to hash
    ///     them off the caller's thread).
    /// - Pending error: ``StorageError``; nothing is left behind then.
    public static func startCreate(
        in layout: StorageLayout,
        io: BlockingIO,
        writing buffer: ByteBuffer,
        durable: Bool = false,
        placingAt destination: String? = nil,
        inspect: (@Sendable (UnsafeRawBufferPointer) -> Void)? = nil
    ) -> PendingIO<IncomingFile> {
        let relative = newRelativePath()
        return io.start { () throws(StorageError) -> IncomingFile in
            let absolute = layout.absolute(relative)
            let fd = try openNew(absolute, layout: layout)
            do throws(StorageError) {
                try buffer.withUnsafeReadableBytes { (bytes) throws(StorageError) in
                    inspect?(bytes)
                    try POSIX.writeAll(fd, bytes, path: relative)
                }
                if durable {
                    try POSIX.sync(fd, path: relative)
                } else if buffer.readableBytes >= writebackInterval {
                    POSIX.startWriteback(fd)
                }
            } catch {
                POSIX.closeDescriptor(fd)
                try? POSIX.remove(absolute)
                throw error
            }
            guard durable else { return IncomingFile(relativePath: relative, descriptor: fd, layout: layout, io: io) }
            POSIX.closeDescriptor(fd)
            let file = IncomingFile(relativePath: relative, descriptor: fd, layout: layout, io: io, closed: true)
            if let destination, let placed = try placeIfFree(absolute, at: destination, layout: layout) {
                file.state.withLock { $0 = .placed }
                file.placedIdentity.withLock { $0 = placed }
            }
            return file
        }
    }

    /// Whether the file has been moved into the tree.
    public var isPlaced: Bool {
        state.withLock { $0 == .placed }
    }

    private static func newRelativePath() -> String {
        "\(StorageLayout.incoming)/\(uniqueName()).part"
    }

    /// 128 random bits in hex: unique among receivers and gateways sharing the storage, like
    /// a UUID, from the system generator (`getrandom`; Foundation's `UUID()` opens and reads
    /// `/dev/urandom` on every call, three system calls per received object).
    static func uniqueName() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return hex(high) + hex(low)
    }

    /// Blocking: creates `absolute` exclusively with the layout's mode and owner.
    private static func openNew(_ absolute: String, layout: StorageLayout) throws(StorageError) -> Int32 {
        let fd = try POSIX.createExclusive(absolute, mode: StorageLayout.fileMode)
        // Held while the file is open: start-up recovery removes only the partial files no
        // live receiver holds, so one gateway's restart spares another's receives in flight
        // on shared storage.
        POSIX.lockExclusive(fd)
        if let owner = layout.owner {
            do throws(StorageError) {
                try POSIX.changeOwner(fd, to: owner, path: absolute)
            } catch {
                POSIX.closeDescriptor(fd)
                try? POSIX.remove(absolute)
                throw error
            }
        }
        return fd
    }

    /// Starts appending the readable bytes of `buffer`; returns at once.
    ///
    /// - Pending error: ``StorageError/Code/diskFull`` when the device is full; the caller
    ///   then discards the file.
    ///
    /// Every ``writebackInterval`` bytes the kernel is asked to start writing back, so the
    /// final fsync in ``startFinish(writing:placingAt:)`` waits only for what came last.
    ///
    /// - Parameter inspect: sees the bytes on the pool thread before they are written.
    public func startWrite(
        _ buffer: ByteBuffer,
        inspect: (@Sendable (UnsafeRawBufferPointer) -> Void)? = nil
    ) -> PendingIO<Void> {
        do throws(StorageError) { try checkOpen() } catch { return PendingIO(.failure(error)) }
        let fd = descriptor
        let path = relativePath
        return io.start { [self] () throws(StorageError) in
            try buffer.withUnsafeReadableBytes { (bytes) throws(StorageError) in
                inspect?(bytes)
                try POSIX.writeAll(fd, bytes, path: path)
            }
            let due = self.unflushed.withLock { count in
                count += buffer.readableBytes
                guard count >= Self.writebackInterval else { return false }
                count = 0
                return true
            }
            if due { POSIX.startWriteback(fd) }
        }
    }

    /// Starts appending the readable bytes of `tail` (if any), making the content durable
    /// (fsync) and closing the file, in one trip to the blocking pool; returns at once.
    ///
    /// With a `destination`, the same trip then moves the durable file there if nothing is
    /// there yet (as ``place(at:replacing:)`` with `replacing: false`): a receiver that
    /// expects a new instance places it while its rows are still being written, instead of
    /// after. When something is there, the file stays in `incoming/`, finished, for the
    /// caller to decide once it knows what the existing file is.
    ///
    /// - Pending result: whether the file was placed.
    /// - Pending error: ``StorageError/Code/diskFull`` when the device is full; a failed move
    ///   other than an existing target.
    public func startFinish(writing tail: ByteBuffer? = nil, placingAt destination: String? = nil) -> PendingIO<Bool> {
        do throws(StorageError) { try checkOpen() } catch { return PendingIO(.failure(error)) }
        let fd = descriptor
        let path = relativePath
        let layout = self.layout
        return io.start { [self] () throws(StorageError) -> Bool in
            var placed: POSIX.FileIdentity?
            defer {
                state.withLock { $0 = placed == nil ? .closed : .placed }
                placedIdentity.withLock { $0 = placed }
                POSIX.closeDescriptor(fd)
            }
            if let tail, tail.readableBytes > 0 {
                try tail.withUnsafeReadableBytes { (bytes) throws(StorageError) in
                    try POSIX.writeAll(fd, bytes, path: path)
                }
            }
            try POSIX.sync(fd, path: path)
            // (linking a file still open is fine; it is closed on the way out)
            guard let destination else { return false }
            placed = try Self.placeIfFree(layout.absolute(path), at: destination, layout: layout)
            return placed != nil
        }
    }

    /// Takes a file placed by ``startFinish(writing:placingAt:)``, a placing `startCreate` or
    /// ``place(at:replacing:)`` out of the tree again, when its object was not stored after
    /// all. Removes `destination` only
    /// while it still names this file: a concurrent receiver of the same instance may have
    /// put its own there since.
    ///
    /// - Returns: whether a file was removed.
    @discardableResult
    public func unplace(from destination: String) async throws(StorageError) -> Bool {
        // (set by a placement, cleared here)
        guard let identity = placedIdentity.withLock({ $0 }) else { return false }
        let target = layout.absolute(destination)
        let removed = try await io.run { () throws(StorageError) -> Bool in
            guard POSIX.identity(target) == identity else { return false }
            do throws(StorageError) {
                try POSIX.remove(target)
            } catch where error.code == .notFound {
                return false
            }
            return true
        }
        state.withLock { $0 = .discarded }
        placedIdentity.withLock { $0 = nil }
        return removed
    }

    /// Blocking: moves `source` to `destination` unless something is there (nil then);
    /// the placed file's identity.
    private static func placeIfFree(_ source: String, at destination: String, layout: StorageLayout) throws(StorageError) -> POSIX.FileIdentity? {
        do throws(StorageError) {
            return try move(source, to: layout.absolute(destination), replacing: false, layout: layout)
        } catch where error.code == .alreadyExists {
            return nil
        }
    }

    /// Blocking: the move into the tree, creating missing directories, with the directory
    /// fsyncs that make it survive a crash.
    ///
    /// - Returns: the moved file's identity, for undoing the move only while the path still
    ///   names it. (An identity that cannot be read, which does not happen to a file just
    ///   written, matches no file: ``unplace(from:)`` would then leave it for `storage verify`.)
    @discardableResult
    private static func move(
        _ source: String, to target: String, replacing: Bool, layout: StorageLayout
    ) throws(StorageError) -> POSIX.FileIdentity {
        let identity = POSIX.identity(source) ?? POSIX.FileIdentity(device: 0, inode: 0)
        let directory = POSIX.parent(of: target)
        let created = try POSIX.makeDirectories(directory, mode: StorageLayout.directoryMode, owner: layout.owner)
        if replacing {
            try POSIX.moveReplacing(source, to: target)
        } else {
            try POSIX.moveNoReplace(source, to: target)
        }
        try POSIX.syncDirectory(directory)
        // New directories must themselves be durable entries of their parents.
        for made in created {
            try POSIX.syncDirectory(POSIX.parent(of: made))
        }
        return identity
    }

    /// Moves the finished file to `destination` (relative to the root), creating missing
    /// directories (0750), and fsyncs the directory so the move survives a crash.
    ///
    /// - Parameters:
    ///   - destination: Where it goes, e.g. from ``StorageLayout/relativePath(of:in:)``.
    ///   - replacing: Whether an existing file there is replaced (atomically); if false and
    ///     one exists, throws ``StorageError/Code/alreadyExists`` and leaves both in place.
    public func place(at destination: String, replacing: Bool) async throws(StorageError) {
        let ready = state.withLock { $0 == .closed }
        guard ready else {
            throw StorageError(.ioFailure, "\(relativePath) must be finished, and not placed or discarded, before it is placed")
        }
        let layout = self.layout
        let source = layout.absolute(relativePath)
        let target = layout.absolute(destination)
        let identity = try await io.run { () throws(StorageError) -> POSIX.FileIdentity in
            try Self.move(source, to: target, replacing: replacing, layout: layout)
        }
        state.withLock { $0 = .placed }
        placedIdentity.withLock { $0 = identity }
    }

    /// Undoes ``place(at:replacing:)`` over an earlier version kept aside
    /// (`StorageFiles.keepAside`): puts `aside` back at `destination` (atomically, directory
    /// fsynced), only while `destination` still names this file. Otherwise the kept-aside
    /// link is removed and the file there (another receiver's, placed since) stays.
    ///
    /// - Returns: whether the earlier version was put back.
    @discardableResult
    public func restore(_ aside: String, at destination: String) async throws(StorageError) -> Bool {
        guard let identity = placedIdentity.withLock({ $0 }) else { return false }
        let layout = self.layout
        let restored = try await io.run { () throws(StorageError) -> Bool in
            guard POSIX.identity(layout.absolute(destination)) == identity else {
                try? POSIX.remove(layout.absolute(aside))
                return false
            }
            try StorageFiles.restore(aside, to: destination, in: layout)
            return true
        }
        state.withLock { $0 = .discarded }
        placedIdentity.withLock { $0 = nil }
        return restored
    }

    /// Closes (if open) and removes the file. Never throws: a leftover `.part` is removed by
    /// start-up recovery.
    public func discard() async {
        let previous = state.withLock { current -> State in
            let before = current
            if current == .open || current == .closed { current = .discarded }
            return before
        }
        guard previous == .open || previous == .closed else { return }
        let fd = descriptor
        let path = layout.absolute(relativePath)
        _ = try? await io.run { () throws(StorageError) in
            if previous == .open { POSIX.closeDescriptor(fd) }
            try? POSIX.remove(path)
        }
    }

    private func checkOpen() throws(StorageError) {
        let open = state.withLock { $0 == .open }
        guard open else { throw StorageError(.ioFailure, "\(relativePath) is no longer open for writing") }
    }
}
