/// Why the migration runner refused or failed.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    /// A matchable reason.
    public struct Code: Hashable, Sendable {
        private enum Base: Hashable, Sendable { case invalidFileName, duplicateVersion, unreadable, checksumMismatch, failed }
        private let base: Base
        /// A `.sql` file is not named `NNNN_name.sql`.
        public static let invalidFileName = Code(base: .invalidFileName)
        /// Two files have the same version.
        public static let duplicateVersion = Code(base: .duplicateVersion)
        /// The directory or a file cannot be read.
        public static let unreadable = Code(base: .unreadable)
        /// An applied migration's file changed since it was applied.
        public static let checksumMismatch = Code(base: .checksumMismatch)
        /// A migration's SQL failed; it was rolled back.
        public static let failed = Code(base: .failed)
    }

    /// The reason.
    public var code: Code
    /// A readable explanation naming the file or version.
    public var message: String
    /// The database error, for ``Code/failed``.
    public var underlying: PostgresError?

    /// An error.
    public init(code: Code, message: String, underlying: PostgresError? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        underlying.map { "\(message): \($0)" } ?? message
    }
}
