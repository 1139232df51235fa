/// A failure of `dicom-gw storage cleanup` as a whole (single files that cannot be removed
/// are reported in ``CleanupReport`` instead).
public struct CleanupError: Error, CustomStringConvertible, Sendable {
    /// The kinds of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String {
            case invalidRetention = "invalid retention"
            case fileSystem = "file system"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A retention period out of range.
        public static let invalidRetention = Code(.invalidRetention)
        /// A file operation failed.
        public static let fileSystem = Code(.fileSystem)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A sentence for the operator.
    public var message: String
    /// Where the error was raised.
    public var location: String

    init(_ code: Code, _ message: String, fileID: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.location = "\(fileID):\(line)"
    }

    public var description: String { "\(code): \(message)" }
}
