import Crypto
import Synchronization

/// The SHA-256 of a data set, fed on whichever thread writes its bytes.
///
/// The receive path hashes each chunk on the blocking-pool thread that writes it, off the
/// association's task, so hashing overlaps reading the network. Chunks are fed strictly in
/// order (one write in flight at a time); the lock only makes that hand-over between threads
/// safe, it is never contended.
final class RunningDigest: Sendable {
    private struct State {
        var hasher = SHA256()
        /// Bytes at the start of the stream that are not hashed (the Part 10 meta header).
        var skip: Int
    }

    private let state: Mutex<State>

    /// A digest that ignores the first `skip` bytes fed to it.
    init(skipping skip: Int) {
        state = Mutex(State(skip: skip))
    }

    /// Hashes the next bytes of the stream.
    func update(_ bytes: UnsafeRawBufferPointer) {
        state.withLock { state in
            var bytes = bytes
            if state.skip > 0 {
                let skipped = min(state.skip, bytes.count)
                state.skip -= skipped
                bytes = UnsafeRawBufferPointer(rebasing: bytes[skipped...])
            }
            if !bytes.isEmpty { state.hasher.update(bufferPointer: bytes) }
        }
    }

    /// The digest of everything fed so far.
    func finalize() -> [UInt8] {
        state.withLock { Array($0.hasher.finalize()) }
    }
}
