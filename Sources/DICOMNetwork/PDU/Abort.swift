/// The A-ABORT PDU (PS3.8 §9.3.8).
public struct Abort: Sendable, Hashable {
    /// Who aborted.
    public var source: Source
    /// Why; only significant when `source` is the service provider.
    public var reason: Reason

    /// Creates an abort PDU.
    public init(source: Source, reason: Reason) {
        self.source = source
        self.reason = reason
    }

    /// A-ABORT source (PS3.8 Table 9-26).
    public struct Source: Sendable, Hashable, RawRepresentable {
        /// The code on the wire.
        public var rawValue: UInt8
        /// Creates a source from its wire code.
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// 0: DICOM UL service-user (initiated abort).
        public static let serviceUser = Source(rawValue: 0)
        /// 2: DICOM UL service-provider (initiated abort).
        public static let serviceProvider = Source(rawValue: 2)
    }

    /// A-ABORT reason/diagnostic for provider-initiated aborts (PS3.8 Table 9-26).
    public struct Reason: Sendable, Hashable, RawRepresentable {
        /// The code on the wire.
        public var rawValue: UInt8
        /// Creates a reason from its wire code.
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// 0: reason not specified.
        public static let notSpecified = Reason(rawValue: 0)
        /// 1: unrecognized PDU.
        public static let unrecognizedPDU = Reason(rawValue: 1)
        /// 2: unexpected PDU.
        public static let unexpectedPDU = Reason(rawValue: 2)
        /// 4: unrecognized PDU parameter.
        public static let unrecognizedPDUParameter = Reason(rawValue: 4)
        /// 5: unexpected PDU parameter.
        public static let unexpectedPDUParameter = Reason(rawValue: 5)
        /// 6: invalid PDU parameter value.
        public static let invalidPDUParameterValue = Reason(rawValue: 6)
    }

    /// A service-user abort (reason not significant).
    public static let byUser = Abort(source: .serviceUser, reason: .notSpecified)

    /// A service-provider abort with the given reason.
    public static func byProvider(_ reason: Reason) -> Abort {
        Abort(source: .serviceProvider, reason: reason)
    }
}
