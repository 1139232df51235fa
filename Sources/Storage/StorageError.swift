/// A failure of the storage tree: the file system said no, or a name was unsafe.
///
/// Callers match on ``code``; the receive path maps ``Code/diskFull`` and
/// ``Code/ioFailure`` to `A700` (out of resources) and ``Code/invalidUID`` to a failure
/// that never builds a path.
public struct StorageError: Error, CustomStringConvertible, Sendable {
    /// The kinds of storage failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String {
            case invalidUID = "invalid UID"
            case diskFull = "disk full"
            case ioFailure = "I/O failure"
            case notFound = "not found"
            case alreadyExists = "already exists"
            case permissionDenied = "permission denied"
            case unreadable = "unreadable file"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A UID that is not a valid PS3.5 §9.1 UID and so cannot become a path component.
        public static let invalidUID = Code(.invalidUID)
        /// No space (or quota) left on the device holding the storage root.
        public static let diskFull = Code(.diskFull)
        /// Any other failed file operation.
        public static let ioFailure = Code(.ioFailure)
        /// The file or directory does not exist.
        public static let notFound = Code(.notFound)
        /// The destination exists and may not be overwritten.
        public static let alreadyExists = Code(.alreadyExists)
        /// The process may not touch the path.
        public static let permissionDenied = Code(.permissionDenied)
        /// A stored file that is not a readable Part 10 file with a parseable data set.
        public static let unreadable = Code(.unreadable)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A sentence for the log and the C-STORE Error Comment.
    public var message: String
    /// The `errno` of the failed call, when there was one.
    public var errno: Int32?
    /// Where the error was raised.
    public var location: String

    init(_ code: Code, _ message: String, errno: Int32? = nil, fileID: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.errno = errno
        self.location = "\(fileID):\(line)"
    }

    public var description: String { "\(code): \(message)" }
}
