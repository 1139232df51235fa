/// The user information item (50h) of an A-ASSOCIATE-RQ/AC and its sub-items (PS3.7 Annex D.3.3).
public struct UserInformation: Sendable, Hashable {
    /// 51h: the largest P-DATA-TF variable field the sender will receive; 0 means unlimited.
    public var maxLength: UInt32?
    /// 52h: implementation class UID (mandatory on the wire).
    public var implementationClassUID: String?
    /// 55h: implementation version name.
    public var implementationVersionName: String?
    /// 53h: asynchronous operations window.
    public var asyncOperationsWindow: AsyncOperationsWindow?
    /// 54h: SCP/SCU role selection, one per SOP class.
    public var roleSelections: [RoleSelection]
    /// 56h: SOP class extended negotiation.
    public var extendedNegotiations: [ExtendedNegotiation]
    /// 57h: SOP class common extended negotiation (request only).
    public var commonExtendedNegotiations: [CommonExtendedNegotiation]
    /// 58h: user identity negotiation (request).
    public var userIdentity: UserIdentity?
    /// 59h: user identity server response (accept).
    public var userIdentityResponse: [UInt8]?
    /// Sub-items of unknown type, kept as received so they can be ignored or logged.
    public var unknownItems: [UnknownItem]

    /// Creates user information.
    public init(
        maxLength: UInt32? = nil,
        implementationClassUID: String? = NetworkUID.implementationClassUID,
        implementationVersionName: String? = NetworkUID.implementationVersionName,
        asyncOperationsWindow: AsyncOperationsWindow? = nil,
        roleSelections: [RoleSelection] = [],
        extendedNegotiations: [ExtendedNegotiation] = [],
        commonExtendedNegotiations: [CommonExtendedNegotiation] = [],
        userIdentity: UserIdentity? = nil,
        userIdentityResponse: [UInt8]? = nil,
        unknownItems: [UnknownItem] = []
    ) {
        self.maxLength = maxLength
        self.implementationClassUID = implementationClassUID
        self.implementationVersionName = implementationVersionName
        self.asyncOperationsWindow = asyncOperationsWindow
        self.roleSelections = roleSelections
        self.extendedNegotiations = extendedNegotiations
        self.commonExtendedNegotiations = commonExtendedNegotiations
        self.userIdentity = userIdentity
        self.userIdentityResponse = userIdentityResponse
        self.unknownItems = unknownItems
    }

    /// 53h: maximum number of outstanding operations each way.
    public struct AsyncOperationsWindow: Sendable, Hashable {
        /// Maximum operations invoked.
        public var invoked: UInt16
        /// Maximum operations performed.
        public var performed: UInt16
        /// Creates a window.
        public init(invoked: UInt16, performed: UInt16) {
            self.invoked = invoked
            self.performed = performed
        }
    }

    /// 54h: SCP/SCU role selection for one SOP class.
    public struct RoleSelection: Sendable, Hashable {
        /// The SOP class UID.
        public var sopClassUID: String
        /// Whether the requestor may act (or the acceptor accepts it acting) as SCU.
        public var scuRole: Bool
        /// Whether the requestor may act (or the acceptor accepts it acting) as SCP.
        public var scpRole: Bool
        /// Creates a role selection.
        public init(sopClassUID: String, scuRole: Bool, scpRole: Bool) {
            self.sopClassUID = sopClassUID
            self.scuRole = scuRole
            self.scpRole = scpRole
        }
    }

    /// 56h: SOP class extended negotiation (service-class specific bytes).
    public struct ExtendedNegotiation: Sendable, Hashable {
        /// The SOP class UID.
        public var sopClassUID: String
        /// The service-class application information.
        public var applicationInformation: [UInt8]
        /// Creates an extended negotiation item.
        public init(sopClassUID: String, applicationInformation: [UInt8]) {
            self.sopClassUID = sopClassUID
            self.applicationInformation = applicationInformation
        }
    }

    /// 57h: SOP class common extended negotiation.
    public struct CommonExtendedNegotiation: Sendable, Hashable {
        /// The SOP class UID.
        public var sopClassUID: String
        /// The service class UID.
        public var serviceClassUID: String
        /// Related general SOP class UIDs.
        public var relatedGeneralSOPClassUIDs: [String]
        /// Creates a common extended negotiation item.
        public init(sopClassUID: String, serviceClassUID: String, relatedGeneralSOPClassUIDs: [String]) {
            self.sopClassUID = sopClassUID
            self.serviceClassUID = serviceClassUID
            self.relatedGeneralSOPClassUIDs = relatedGeneralSOPClassUIDs
        }
    }

    /// 58h: user identity negotiation request.
    public struct UserIdentity: Sendable, Hashable {
        /// 1 username, 2 username+passcode, 3 Kerberos, 4 SAML, 5 JWT.
        public var type: UInt8
        /// Whether the requestor wants a server response (59h).
        public var positiveResponseRequested: Bool
        /// The primary field (username or token).
        public var primaryField: [UInt8]
        /// The secondary field (passcode), empty unless type 2.
        public var secondaryField: [UInt8]
        /// Creates a user identity item.
        public init(type: UInt8, positiveResponseRequested: Bool, primaryField: [UInt8], secondaryField: [UInt8]) {
            self.type = type
            self.positiveResponseRequested = positiveResponseRequested
            self.primaryField = primaryField
            self.secondaryField = secondaryField
        }
    }

    /// A user information sub-item this implementation does not interpret.
    public struct UnknownItem: Sendable, Hashable {
        /// The item type byte.
        public var type: UInt8
        /// The item's value bytes.
        public var value: [UInt8]
        /// Creates an unknown item.
        public init(type: UInt8, value: [UInt8]) {
            self.type = type
            self.value = value
        }
    }
}
