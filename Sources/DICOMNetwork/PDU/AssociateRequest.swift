/// The A-ASSOCIATE-RQ PDU (PS3.8 §9.3.2).
public struct AssociateRequest: Sendable, Hashable {
    /// Protocol version bit field; bit 0 (value 1) is the only version defined.
    public var protocolVersion: UInt16
    /// Called AE title, trimmed of padding (at most 16 characters).
    public var calledAETitle: String
    /// Calling AE title, trimmed of padding (at most 16 characters).
    public var callingAETitle: String
    /// Application context name; always the DICOM application context in practice.
    public var applicationContextName: String
    /// The proposed presentation contexts.
    public var presentationContexts: [PresentationContextProposal]
    /// The user information item and its sub-items.
    public var userInformation: UserInformation

    /// Creates a request.
    public init(
        protocolVersion: UInt16 = 1,
        calledAETitle: String,
        callingAETitle: String,
        applicationContextName: String = NetworkUID.dicomApplicationContext,
        presentationContexts: [PresentationContextProposal],
        userInformation: UserInformation
    ) {
        self.protocolVersion = protocolVersion
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.applicationContextName = applicationContextName
        self.presentationContexts = presentationContexts
        self.userInformation = userInformation
    }
}

/// The A-ASSOCIATE-AC PDU (PS3.8 §9.3.3).
public struct AssociateAccept: Sendable, Hashable {
    /// Protocol version bit field.
    public var protocolVersion: UInt16
    /// Called AE title echoed from the request (not tested by the receiver).
    public var calledAETitle: String
    /// Calling AE title echoed from the request (not tested by the receiver).
    public var callingAETitle: String
    /// Application context name.
    public var applicationContextName: String
    /// One result per proposed context.
    public var presentationContexts: [PresentationContextResult]
    /// The user information item and its sub-items.
    public var userInformation: UserInformation

    /// Creates an accept PDU.
    public init(
        protocolVersion: UInt16 = 1,
        calledAETitle: String,
        callingAETitle: String,
        applicationContextName: String = NetworkUID.dicomApplicationContext,
        presentationContexts: [PresentationContextResult],
        userInformation: UserInformation
    ) {
        self.protocolVersion = protocolVersion
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.applicationContextName = applicationContextName
        self.presentationContexts = presentationContexts
        self.userInformation = userInformation
    }
}
