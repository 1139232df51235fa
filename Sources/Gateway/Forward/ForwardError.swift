/// A failure of forwarding, routing or destination management.
public struct ForwardError: Error, CustomStringConvertible, Sendable {
    /// The kinds of failure callers match on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String {
            case invalidArgument = "invalid argument"
            case notFound = "not found"
            case conflict = "conflict"
            case fileUnavailable = "file unavailable"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A value an operator gave is unusable.
        public static let invalidArgument = Code(.invalidArgument)
        /// The named destination, route or job does not exist.
        public static let notFound = Code(.notFound)
        /// The change conflicts with what exists (a name taken, a destination still routed to).
        public static let conflict = Code(.conflict)
        /// The object's file could not be read or moved.
        public static let fileUnavailable = Code(.fileUnavailable)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// For the operator.
    public var message: String

    /// An error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
