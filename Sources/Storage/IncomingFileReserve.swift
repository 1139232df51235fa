import Foundation
import Synchronization

/// A few empty files created ahead of need in `incoming/`, so a receiver's first write does
/// not wait for the file system to create one.
///
/// Creating a file costs far more than writing a small object into one: on ext4 with many
/// recently deleted inodes (retention, forwarded archives, any churn) the inode allocator
/// scans, and `open(O_CREAT)` was measured at 0.1 to 0.3 ms here, on the path between
/// receiving an object and answering it. The reserve creates the next files on the blocking
/// pool while the current object is being answered, so the receive path only writes.
///
/// A spare is an ordinary `incoming/{uuid}.part`: created exclusively with the layout's mode
/// and owner and locked (`flock`) like any receiver's file, so start-up recovery and
/// `storage verify` treat it as a receive in flight. Spares older than ``maximumAge`` are
/// replaced rather than used, so none outlives the grace periods of the tools that remove
/// stray files in `incoming/`. ``release()`` removes them at shutdown; after a crash start-up
/// recovery does.
public final class IncomingFileReserve: Sendable {
    /// An empty, locked, open file in `incoming/`.
    struct Spare: Sendable {
        var relativePath: String
        var descriptor: Int32
        var createdAt: ContinuousClock.Instant
    }

    private struct State {
        var spares: [Spare] = []
        var refilling = false
        var released = false
    }

    /// How many spares are kept ready.
    public let capacity: Int
    /// How old a spare may get before it is replaced instead of used.
    public let maximumAge: Duration

    private let layout: StorageLayout
    private let io: BlockingIO
    private let state = Mutex(State())

    /// A reserve of up to `capacity` spares (0 turns it off) in `layout`'s `incoming/`.
    public init(layout: StorageLayout, io: BlockingIO, capacity: Int = 4, maximumAge: Duration = .seconds(60)) {
        self.layout = layout
        self.io = io
        self.capacity = max(0, capacity)
        self.maximumAge = maximumAge
    }

    /// A spare to write into, if one is ready; asks for more in the background either way.
    func take() -> Spare? {
        guard capacity > 0 else { return nil }
        let now = ContinuousClock.now
        let taken = state.withLock { state -> (spare: Spare?, stale: [Spare], refill: Bool) in
            guard !state.released else { return (nil, [], false) }
            let cutoff = now - maximumAge
            let stale = state.spares.filter { $0.createdAt < cutoff }
            if !stale.isEmpty { state.spares.removeAll { $0.createdAt < cutoff } }
            let spare = state.spares.isEmpty ? nil : state.spares.removeFirst()
            let refill = !state.refilling
            if refill { state.refilling = true }
            return (spare, stale, refill)
        }
        if taken.refill { startRefill(discarding: taken.stale) } else if !taken.stale.isEmpty { discardLater(taken.stale) }
        return taken.spare
    }

    /// Closes and removes the spares; later ``take()`` calls find none. Call at shutdown.
    public func release() async {
        let spares = state.withLock { state -> [Spare] in
            state.released = true
            defer { state.spares = [] }
            return state.spares
        }
        await discard(spares)
    }

    /// How many spares are ready now (for tests and metrics).
    public var ready: Int { state.withLock { $0.spares.count } }

    private func startRefill(discarding stale: [Spare]) {
        Task { await refill(discarding: stale) }
    }

    private func discardLater(_ spares: [Spare]) {
        Task { await discard(spares) }
    }

    private func refill(discarding stale: [Spare]) async {
        await discard(stale)
        let layout = self.layout
        while true {
            let wanted = state.withLock { state -> Bool in
                let more = !state.released && state.spares.count < capacity
                if !more { state.refilling = false }
                return more
            }
            guard wanted else { return }
            let created: Spare
            do {
                created = try await io.run { () throws(StorageError) -> Spare in
                    let relative = IncomingFile.newRelativePath()
                    let fd = try IncomingFile.openNew(layout.absolute(relative), layout: layout)
                    return Spare(relativePath: relative, descriptor: fd, createdAt: .now)
                }
            } catch {
                // A full disk or an unwritable incoming/: receivers create their own files
                // (and report the error); the next take() tries again.
                state.withLock { $0.refilling = false }
                return
            }
            let kept = state.withLock { state -> Bool in
                guard !state.released else { return false }
                state.spares.append(created)
                return true
            }
            if !kept { await discard([created]) }
        }
    }

    private func discard(_ spares: [Spare]) async {
        guard !spares.isEmpty else { return }
        let layout = self.layout
        _ = try? await io.run { () throws(StorageError) in
            for spare in spares {
                POSIX.closeDescriptor(spare.descriptor)
                try? POSIX.remove(layout.absolute(spare.relativePath))
            }
        }
    }
}
