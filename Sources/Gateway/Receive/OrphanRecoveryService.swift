public import Foundation
public import Logging
public import PostgresClient
public import ServiceLifecycle
public import Storage

/// The part of start-up recovery that runs beside the listeners: earlier versions kept aside
/// by replacements that never settled are settled by content (``KeptAside``), then files of
/// the tree left without a row by a crash are indexed or quarantined
/// (``StartupRecovery/indexOrphans(in:io:pool:modifiedBefore:studiesPerStep:actor:)``).
///
/// It never delays the listeners: it walks the tree a few study directories per step on
/// the blocking pool. When the database is down it tries again every ``retryInterval``
/// until one pass completes, then ends (the service group keeps running).
public struct OrphanRecoveryService: Service {
    let layout: StorageLayout
    let io: BlockingIO
    let pool: PostgresPool
    let logger: Logger
    /// Files modified at or after this time (nanoseconds since 1970) belong to this run.
    let startedAt: Int64
    /// Runs in each transaction that indexes an orphan (the forward jobs of ``ForwardHooks``).
    let onIndexed: OrphanIndexer.IndexedHook?
    /// Pause between attempts while the database or the tree fails.
    public var retryInterval: Duration = .seconds(5)

    /// A recovery pass over `layout`, for files older than `startedAt`.
    public init(
        layout: StorageLayout, io: BlockingIO, pool: PostgresPool, startedAt: Date,
        onIndexed: OrphanIndexer.IndexedHook? = nil, logger: Logger
    ) {
        self.onIndexed = onIndexed
        self.layout = layout
        self.io = io
        self.pool = pool
        self.startedAt = Int64(startedAt.timeIntervalSince1970 * 1_000_000_000)
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled {
            do {
                // Earlier versions kept aside by replacements that never settled, before the
                // tree is walked: one may go back to its path.
                let asides = try await KeptAside.resolveAll(in: layout, io: io, pool: pool, actor: "dicom-gw recovery")
                if asides != KeptAside.Summary() {
                    logger.notice(
                        "start-up recovery settled kept-aside versions in incoming/",
                        metadata: [
                            "storage.restored": "\(asides.restored)", "storage.removed": "\(asides.removed)",
                            "storage.quarantined": "\(asides.quarantined)",
                        ])
                }
                let summary = try await StartupRecovery.indexOrphans(
                    in: layout, io: io, pool: pool, modifiedBefore: startedAt, onIndexed: onIndexed)
                let level: Logger.Level = summary.indexed + summary.relinked + summary.quarantined > 0 ? .notice : .info
                logger.log(
                    level: level,
                    "start-up recovery checked the tree",
                    metadata: [
                        "storage.scanned": "\(summary.scanned)",
                        "storage.indexed": "\(summary.indexed)",
                        "storage.relinked": "\(summary.relinked)",
                        "storage.quarantined": "\(summary.quarantined)",
                    ]
                )
                return
            } catch is CancellationError {
                return
            } catch {
                logger.warning("start-up recovery failed; trying again", metadata: ["error": "\(error)"])
                do { try await Task.sleep(for: retryInterval) } catch { return }
            }
        }
    }
}
