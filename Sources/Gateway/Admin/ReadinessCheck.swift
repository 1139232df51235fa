import PostgresClient
import Storage

/// One condition for `/readyz`: the database reachable, the storage root writable, the
/// DICOM listeners bound. `serve` and `worker` supply them; each throws when not ready.
public struct ReadinessCheck: Sendable {
    /// The check's name in the `/readyz` answer.
    public var name: String
    /// Returns when ready; throws (with a reason) when not.
    public var check: @Sendable () async throws -> Void

    /// Creates a check.
    public init(name: String, check: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.check = check
    }
}

extension ReadinessCheck {
    /// `database`: the pool answers `SELECT 1`.
    static func database(_ pool: PostgresPool) -> ReadinessCheck {
        ReadinessCheck(name: "database") { _ = try await pool.execute("SELECT 1") }
    }

    /// `storage`: a file can be created, written, fsynced and removed under `layout` (on `io`).
    static func storage(_ layout: StorageLayout, io: BlockingIO) -> ReadinessCheck {
        ReadinessCheck(name: "storage") {
            try await io.run { () throws(StorageError) in try StorageProbe.checkWritable(layout) }
        }
    }
}
