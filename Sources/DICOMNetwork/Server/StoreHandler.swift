/// Receives the C-STORE operations accepted by a `DICOMServer`.
///
/// The server calls `store(_:dataSet:)` once per C-STORE-RQ, on the association's task, and
/// sends the returned status in the C-STORE-RSP. That task prefers the association's event
/// loop as its executor, so the handler's own code runs on an event loop thread: it must not
/// block (file and database calls go to their thread pools) and should keep long computations
/// short or elsewhere, since the loop serves other associations too. The data set arrives as a stream of
/// fragments in the accepted transfer syntax, exactly as received (no parsing, no
/// conversion). The stream applies back-pressure: the socket is read only as fast as the
/// handler pulls fragments, so a slow handler slows its own peer and nobody else.
///
/// Contract:
/// - The handler need not consume the whole stream (e.g. after a failure); the server
///   discards what is left before it answers.
/// - If the stream throws (peer aborted, connection lost, protocol error) the handler must
///   discard what it wrote; its result is then ignored because no response can be sent.
/// - Return `.success` only once the object is durably stored.
public protocol StoreHandler: Sendable {
    /// Stores one object.
    /// - Parameters:
    ///   - request: the C-STORE command's fields and the association they came on.
    ///   - dataSet: the data set's fragments, in order; ends after the last fragment.
    /// - Returns: the status (and optional Error Comment) for the C-STORE-RSP.
    func store(_ request: StoreRequest, dataSet: DataSetStream) async -> StoreResult
}

/// The fields of one C-STORE-RQ and its association.
public struct StoreRequest: Sendable, Hashable {
    /// The association the request arrived on.
    public var association: AssociationInfo
    /// (0000,0110) Message ID.
    public var messageID: UInt16
    /// (0000,0002) Affected SOP Class UID (equal to the context's abstract syntax).
    public var sopClassUID: String
    /// (0000,1000) Affected SOP Instance UID.
    public var sopInstanceUID: String
    /// The transfer syntax accepted for the presentation context: the data set's encoding.
    public var transferSyntaxUID: String
    /// The presentation context ID the data set travels on.
    public var presentationContextID: UInt8
    /// (0000,0700) Priority: 0 medium, 1 high, 2 low.
    public var priority: UInt16
    /// (0000,1030) Move Originator AE Title, when the store is part of a C-MOVE.
    public var moveOriginatorAETitle: String?
    /// (0000,1031) Move Originator Message ID.
    public var moveOriginatorMessageID: UInt16?

    /// Creates a store request.
    public init(
        association: AssociationInfo, messageID: UInt16, sopClassUID: String, sopInstanceUID: String,
        transferSyntaxUID: String, presentationContextID: UInt8, priority: UInt16 = 0,
        moveOriginatorAETitle: String? = nil, moveOriginatorMessageID: UInt16? = nil
    ) {
        self.association = association
        self.messageID = messageID
        self.sopClassUID = sopClassUID
        self.sopInstanceUID = sopInstanceUID
        self.transferSyntaxUID = transferSyntaxUID
        self.presentationContextID = presentationContextID
        self.priority = priority
        self.moveOriginatorAETitle = moveOriginatorAETitle
        self.moveOriginatorMessageID = moveOriginatorMessageID
    }
}

/// A handler's answer to a C-STORE: the status and an optional Error Comment.
public struct StoreResult: Sendable, Hashable {
    /// The C-STORE-RSP status.
    public var status: DIMSEStatus
    /// (0000,0902) Error Comment, sent with non-success statuses (at most 64 characters).
    public var errorComment: String?

    /// Creates a result.
    public init(status: DIMSEStatus, errorComment: String? = nil) {
        self.status = status
        self.errorComment = errorComment
    }

    /// Stored successfully.
    public static let success = StoreResult(status: .success)

    /// A failure (or warning) with a comment.
    public static func failure(_ status: DIMSEStatus, _ comment: String) -> StoreResult {
        StoreResult(status: status, errorComment: comment)
    }
}
