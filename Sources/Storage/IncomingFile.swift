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

    /// Creates a new file in `incoming/` and writes the readable bytes of `buffer`, in one trip
    /// to the blocking pool (a receiver creates its file only once it has bytes to write).
    ///
    /// - Parameters:
    ///   - buffer: the first bytes of the file.
    ///   - durable: also fsync and close the file, ready for ``place(at:replacing:)``: the
    ///     whole life of a small file in one trip.
    ///   - inspect: sees the bytes on the pool thread before they are written (e.g. to hash
    ///     them off the caller's thread).
    /// - Throws: ``StorageError``; nothing is left behind then.
    public static func create(
        in layout: StorageLayout,
        io: BlockingIO,
        writing buffer: ByteBuffer,
        durable: Bool = false,
        inspect: (@Sendable (UnsafeRawBufferPointer) -> Void)? = nil
    ) async throws(StorageError) -> IncomingFile {
        let relative = newRelativePath()
        let fd = try await io.run { () throws(StorageError) -> Int32 in
            let absolute = layout.absolute(relative)
            let fd = try openNew(absolute, layout: layout)
            do throws(StorageError) {
                try buffer.withUnsafeReadableBytes { (bytes) throws(StorageError) in
                    inspect?(bytes)
                    try POSIX.writeAll(fd, bytes, path: relative)
                }
                if durable {
                    try POSIX.sync(fd, path: relative)
                } else {
                    POSIX.startWriteback(fd)
                }
            } catch {
                POSIX.closeDescriptor(fd)
                try? POSIX.remove(absolute)
                throw error
            }
            if durable { POSIX.closeDescriptor(fd) }
            return fd
        }
        return IncomingFile(relativePath: relative, descriptor: fd, layout: layout, io: io, closed: durable)
    }

    private static func newRelativePath() -> String {
        "\(StorageLayout.incoming)/\(UUID().uuidString.lowercased()).part"
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

    /// Appends the readable bytes of `buffer`.
    ///
    /// - Throws: ``StorageError/Code/diskFull`` when the device is full; the caller then
    ///   discards the file.
    ///
    /// The kernel is asked to start writing the bytes back at once, so the final fsync in
    /// ``finish(writing:)`` waits only for what came last.
    ///
    /// - Parameter inspect: sees the bytes on the pool thread before they are written.
    public func write(
        _ buffer: ByteBuffer,
        inspect: (@Sendable (UnsafeRawBufferPointer) -> Void)? = nil
    ) async throws(StorageError) {
        try checkOpen()
        let fd = descriptor
        let path = relativePath
        try await io.run { () throws(StorageError) in
            try buffer.withUnsafeReadableBytes { (bytes) throws(StorageError) in
                inspect?(bytes)
                try POSIX.writeAll(fd, bytes, path: path)
            }
            POSIX.startWriteback(fd)
        }
    }

    /// Appends the readable bytes of `tail` (if any), makes the content durable (fsync) and
    /// closes the file, in one trip to the blocking pool.
    ///
    /// - Throws: ``StorageError/Code/diskFull`` when the device is full.
    public func finish(writing tail: ByteBuffer? = nil) async throws(StorageError) {
        try checkOpen()
        let fd = descriptor
        let path = relativePath
        defer {
            state.withLock { $0 = .closed }
            POSIX.closeDescriptor(fd)
        }
        try await io.run { () throws(StorageError) in
            if let tail, tail.readableBytes > 0 {
                try tail.withUnsafeReadableBytes { (bytes) throws(StorageError) in
                    try POSIX.writeAll(fd, bytes, path: path)
                }
            }
            try POSIX.sync(fd, path: path)
        }
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
        try await io.run { () throws(StorageError) in
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
        }
        state.withLock { $0 = .placed }
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
