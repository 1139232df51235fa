/// An error of the job queue itself (database errors arrive as `PostgresError`).
public struct JobQueueError: Error, Sendable, CustomStringConvertible {
    /// A matchable error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case invalidArgument
            case unexpectedResult
            case workerNotRegistered
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// An argument was out of range or inconsistent.
        public static let invalidArgument = Code(.invalidArgument)
        /// The database returned something the queue did not expect (schema mismatch).
        public static let unexpectedResult = Code(.unexpectedResult)
        /// A worker operation ran before the worker was registered.
        public static let workerNotRegistered = Code(.workerNotRegistered)

        public var description: String {
            switch base {
            case .invalidArgument: return "invalidArgument"
            case .unexpectedResult: return "unexpectedResult"
            case .workerNotRegistered: return "workerNotRegistered"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// Where it was raised.
    public var file: String
    /// Where it was raised.
    public var line: Int

    /// An error.
    public init(code: Code, message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { "JobQueueError.\(code): \(message) (\(file):\(line))" }
}
