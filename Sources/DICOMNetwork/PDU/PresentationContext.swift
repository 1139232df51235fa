/// A presentation context proposed in an A-ASSOCIATE-RQ (item 20h).
public struct PresentationContextProposal: Sendable, Hashable {
    /// The context ID: odd, 1–255.
    public var id: UInt8
    /// The abstract syntax (SOP class) UID.
    public var abstractSyntax: String
    /// The transfer syntax UIDs offered, in the proposer's order.
    public var transferSyntaxes: [String]

    /// Creates a proposal.
    public init(id: UInt8, abstractSyntax: String, transferSyntaxes: [String]) {
        self.id = id
        self.abstractSyntax = abstractSyntax
        self.transferSyntaxes = transferSyntaxes
    }
}

/// The acceptor's answer for one presentation context in an A-ASSOCIATE-AC (item 21h).
public struct PresentationContextResult: Sendable, Hashable {
    /// The context ID, as proposed.
    public var id: UInt8
    /// The result/reason code.
    public var result: Result
    /// The accepted transfer syntax; not significant unless `result == .acceptance`.
    public var transferSyntax: String

    /// Creates a result.
    public init(id: UInt8, result: Result, transferSyntax: String) {
        self.id = id
        self.result = result
        self.transferSyntax = transferSyntax
    }

    /// Result/reason of a presentation context (PS3.8 Table 9-18).
    public struct Result: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
        /// The code on the wire.
        public var rawValue: UInt8
        /// Creates a result from its wire code.
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// 0: acceptance.
        public static let acceptance = Result(rawValue: 0)
        /// 1: user rejection.
        public static let userRejection = Result(rawValue: 1)
        /// 2: no reason (provider rejection).
        public static let noReason = Result(rawValue: 2)
        /// 3: abstract syntax not supported (provider rejection).
        public static let abstractSyntaxNotSupported = Result(rawValue: 3)
        /// 4: transfer syntaxes not supported (provider rejection).
        public static let transferSyntaxesNotSupported = Result(rawValue: 4)

        /// A readable form for logs.
        public var description: String {
            switch self.rawValue {
            case 0: "acceptance"
            case 1: "user-rejection"
            case 2: "no-reason"
            case 3: "abstract-syntax-not-supported"
            case 4: "transfer-syntaxes-not-supported"
            default: "result-\(self.rawValue)"
            }
        }
    }
}
