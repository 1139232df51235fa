/// An association-level failure seen by the async side (client or server).
public struct AssociationError: Error, Hashable, CustomStringConvertible {
    /// What went wrong, for callers to match on.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case notAllowedInState, rejected, aborted, providerAborted, connectionLost, timedOut
            case noAcceptedContext, protocolError, connectFailed, tlsFailed
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A local request was not valid in the association's current state.
        public static let notAllowedInState = Code(.notAllowedInState)
        /// The peer rejected the association (A-ASSOCIATE-RJ); see `reject`.
        public static let rejected = Code(.rejected)
        /// The peer aborted (A-ABORT).
        public static let aborted = Code(.aborted)
        /// We aborted because the peer broke the protocol.
        public static let providerAborted = Code(.providerAborted)
        /// The connection closed without release or abort.
        public static let connectionLost = Code(.connectionLost)
        /// An ACSE, DIMSE or idle timeout expired.
        public static let timedOut = Code(.timedOut)
        /// No presentation context fits the operation (SOP class and transfer syntax).
        public static let noAcceptedContext = Code(.noAcceptedContext)
        /// The peer sent something invalid at the DIMSE level.
        public static let protocolError = Code(.protocolError)
        /// The TCP connection could not be opened.
        public static let connectFailed = Code(.connectFailed)
        /// The TLS handshake failed.
        public static let tlsFailed = Code(.tlsFailed)

        /// A readable form.
        public var description: String {
            switch self.base {
            case .notAllowedInState: "not allowed in the association's state"
            case .rejected: "association rejected"
            case .aborted: "association aborted by peer"
            case .providerAborted: "association aborted (protocol error)"
            case .connectionLost: "connection lost"
            case .timedOut: "timed out"
            case .noAcceptedContext: "no accepted presentation context"
            case .protocolError: "protocol error"
            case .connectFailed: "connection failed"
            case .tlsFailed: "TLS failed"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// Details.
    public var message: String
    /// The A-ASSOCIATE-RJ when `code == .rejected`.
    public var reject: AssociateReject?

    /// Creates an error.
    public init(code: Code, message: String, reject: AssociateReject? = nil) {
        self.code = code
        self.message = message
        self.reject = reject
    }

    /// A readable form.
    public var description: String { "\(self.code): \(self.message)" }

    /// Whether retrying later may succeed: transient rejects, timeouts, resets, aborts.
    public var isRetryable: Bool {
        switch self.code {
        case .rejected: self.reject?.result == .transient
        case .notAllowedInState, .noAcceptedContext: false
        default: true
        }
    }
}
