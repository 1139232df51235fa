/// The DIMSE command field (0000,0100) (PS3.7 §E.1). An open set: unknown values are kept.
public struct CommandField: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    /// The value on the wire.
    public var rawValue: UInt16
    /// Creates a command field from its wire value.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// C-STORE-RQ.
    public static let cStoreRequest = CommandField(rawValue: 0x0001)
    /// C-STORE-RSP.
    public static let cStoreResponse = CommandField(rawValue: 0x8001)
    /// C-GET-RQ.
    public static let cGetRequest = CommandField(rawValue: 0x0010)
    /// C-FIND-RQ.
    public static let cFindRequest = CommandField(rawValue: 0x0020)
    /// C-MOVE-RQ.
    public static let cMoveRequest = CommandField(rawValue: 0x0021)
    /// C-ECHO-RQ.
    public static let cEchoRequest = CommandField(rawValue: 0x0030)
    /// C-ECHO-RSP.
    public static let cEchoResponse = CommandField(rawValue: 0x8030)
    /// C-CANCEL-RQ (no response).
    public static let cCancelRequest = CommandField(rawValue: 0x0FFF)

    /// Whether this is a response (bit 15 set).
    public var isResponse: Bool { self.rawValue & 0x8000 != 0 }

    /// The response command field matching this request.
    public var response: CommandField { CommandField(rawValue: self.rawValue | 0x8000) }

    /// A readable form for logs.
    public var description: String {
        switch self {
        case .cStoreRequest: "C-STORE-RQ"
        case .cStoreResponse: "C-STORE-RSP"
        case .cEchoRequest: "C-ECHO-RQ"
        case .cEchoResponse: "C-ECHO-RSP"
        case .cFindRequest: "C-FIND-RQ"
        case .cGetRequest: "C-GET-RQ"
        case .cMoveRequest: "C-MOVE-RQ"
        case .cCancelRequest: "C-CANCEL-RQ"
        default: "command-0x" + String(self.rawValue, radix: 16, uppercase: true)
        }
    }
}
