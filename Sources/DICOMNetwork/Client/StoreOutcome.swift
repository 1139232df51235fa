/// The result of one C-STORE sent by `ClientAssociation`, classified for the forwarder.
public struct StoreOutcome: Sendable, Hashable {
    /// The C-STORE-RSP status.
    public var status: DIMSEStatus
    /// (0000,0902) Error Comment from the response, if any.
    public var errorComment: String?

    /// Creates an outcome.
    public init(status: DIMSEStatus, errorComment: String? = nil) {
        self.status = status
        self.errorComment = errorComment
    }

    /// What the sender should do with the object.
    public enum Disposition: Sendable, Hashable {
        /// 0000: stored.
        case delivered
        /// 0001/Bxxx: stored with a warning; record it.
        case deliveredWithWarning
        /// A7xx (out of resources), 0110 (processing failure), FExx (cancel): try again later.
        case retryable
        /// 0122, 0124, A9xx, Cxxx and other failures: the peer will not take it; dead-letter.
        case permanent
    }

    /// The disposition for `status`.
    public var disposition: Disposition { Self.disposition(for: self.status) }

    /// Classifies a C-STORE status (PS3.4 Annex B, PS3.7 Annex C).
    public static func disposition(for status: DIMSEStatus) -> Disposition {
        switch status.category {
        case .success: return .delivered
        case .warning: return .deliveredWithWarning
        case .cancel, .pending: return .retryable
        case .failure:
            switch status.rawValue {
            case 0xA700...0xA7FF, 0x0110: return .retryable
            default: return .permanent
            }
        }
    }
}
