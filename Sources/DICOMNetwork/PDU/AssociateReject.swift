/// The A-ASSOCIATE-RJ PDU (PS3.8 §9.3.4).
public struct AssociateReject: Sendable, Hashable {
    /// 1 permanent, 2 transient.
    public var result: Result
    /// 1 service user, 2 service provider (ACSE), 3 service provider (presentation).
    public var source: UInt8
    /// Reason/diagnostic, meaning depends on `source`.
    public var reason: UInt8

    /// Creates a reject PDU.
    public init(result: Result, source: UInt8, reason: UInt8) {
        self.result = result
        self.source = source
        self.reason = reason
    }

    /// Permanent or transient rejection.
    public struct Result: Sendable, Hashable, RawRepresentable {
        /// The code on the wire.
        public var rawValue: UInt8
        /// Creates a result from its wire code.
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// 1: rejected-permanent.
        public static let permanent = Result(rawValue: 1)
        /// 2: rejected-transient.
        public static let transient = Result(rawValue: 2)
    }

    /// Service user, no reason given.
    public static let noReasonGiven = AssociateReject(result: .permanent, source: 1, reason: 1)
    /// Service user: application context name not supported.
    public static let applicationContextNotSupported = AssociateReject(result: .permanent, source: 1, reason: 2)
    /// Service user: calling AE title not recognized.
    public static let callingAETitleNotRecognized = AssociateReject(result: .permanent, source: 1, reason: 3)
    /// Service user: called AE title not recognized.
    public static let calledAETitleNotRecognized = AssociateReject(result: .permanent, source: 1, reason: 7)
    /// ACSE provider: protocol version not supported.
    public static let protocolVersionNotSupported = AssociateReject(result: .permanent, source: 2, reason: 2)
    /// Presentation provider: temporary congestion (transient).
    public static let temporaryCongestion = AssociateReject(result: .transient, source: 3, reason: 1)
    /// Presentation provider: local limit exceeded (transient); used for too many associations.
    public static let localLimitExceeded = AssociateReject(result: .transient, source: 3, reason: 2)
}
