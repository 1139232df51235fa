/// A DIMSE-level protocol error: a command set that cannot be parsed or makes no sense.
public struct DIMSEError: Error, Hashable, CustomStringConvertible {
    /// What went wrong, for callers to match on.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case malformedCommandSet, commandTooLarge, unexpectedFragment, unknownPresentationContext
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The command set's bytes are not valid Implicit VR LE group 0000 elements.
        public static let malformedCommandSet = Code(.malformedCommandSet)
        /// The command set grew past the cap.
        public static let commandTooLarge = Code(.commandTooLarge)
        /// A fragment arrived out of order (data before command, mixed contexts).
        public static let unexpectedFragment = Code(.unexpectedFragment)
        /// A fragment names a presentation context that was not accepted.
        public static let unknownPresentationContext = Code(.unknownPresentationContext)

        /// A readable form for logs.
        public var description: String {
            switch self.base {
            case .malformedCommandSet: "malformed command set"
            case .commandTooLarge: "command set too large"
            case .unexpectedFragment: "unexpected fragment"
            case .unknownPresentationContext: "unknown presentation context"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// Details for the log.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// A readable form for logs.
    public var description: String { "\(self.code): \(self.message)" }
}
