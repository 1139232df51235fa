public import Foundation

/// What the database has applied and what the directory still holds.
public struct MigrationStatus: Sendable {
    /// A row of `schema_migrations`.
    public struct Applied: Sendable, Hashable {
        public var version: Int64
        public var name: String
        public var checksum: String
        public var appliedAt: Date
        /// False when the file's checksum differs from the recorded one (or the file is gone).
        public var matchesFile: Bool
    }

    /// Applied migrations, by version.
    public var applied: [Applied]
    /// Migrations in the directory not yet applied, by version.
    public var pending: [Migration]

    /// True when every file is applied and unchanged.
    public var isUpToDate: Bool { pending.isEmpty && applied.allSatisfy(\.matchesFile) }
}
