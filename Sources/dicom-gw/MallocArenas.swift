import CStorageShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Caps glibc's malloc arenas for the long-running commands (`serve`, `worker`).
///
/// glibc gives a thread its own arena when the others are busy, up to eight per core, and
/// each arena keeps what was freed in it for reuse. Receiving or forwarding a 500 MB object
/// passes some 2,000 buffers of 256 KB–1 MB through NIO's event loops, the cooperative pool
/// and the file-I/O pool; the freed ones stayed spread over those threads' arenas, and the
/// peak RSS of receiving and forwarding it spread over 57–67 MB between runs of the same
/// work. Two arenas (what `MALLOC_ARENA_MAX=2` does for many JVM and Ruby servers) held it
/// at 58–61 MB. CT ingest: medians 405 against 425 objects/s over seven alternating pairs,
/// within this VM's run-to-run noise (docs/performance.md). An operator's own
/// `MALLOC_ARENA_MAX` or `GLIBC_TUNABLES` is left alone.
enum MallocArenas {
    /// The cap applied.
    static let limit: Int32 = 2

    /// Applies the cap unless the environment sets the allocator's tunables; call before
    /// the command starts its threads.
    static func limitUnlessConfigured() {
        if getenv("MALLOC_ARENA_MAX") != nil || getenv("GLIBC_TUNABLES") != nil { return }
        _ = cstorage_limit_malloc_arenas(limit)
    }
}
