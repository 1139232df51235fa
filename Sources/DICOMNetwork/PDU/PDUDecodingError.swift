/// A PDU that could not be decoded; carries the A-ABORT reason to answer it with.
public struct PDUDecodingError: Error, Hashable, CustomStringConvertible {
    /// What went wrong, for callers to match on.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case unrecognizedPDUType
            case pduTooLarge
            case malformedPDU
            case tlsHandshakeOnPlainPort
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The PDU type byte is not one of 01h–07h.
        public static let unrecognizedPDUType = Code(.unrecognizedPDUType)
        /// The PDU length exceeds the advertised maximum (or the cap for association PDUs).
        public static let pduTooLarge = Code(.pduTooLarge)
        /// A length, item or value inside the PDU is invalid.
        public static let malformedPDU = Code(.malformedPDU)
        /// The first bytes look like a TLS ClientHello on a plain (non-TLS) DICOM port.
        public static let tlsHandshakeOnPlainPort = Code(.tlsHandshakeOnPlainPort)

        /// A readable form for logs.
        public var description: String {
            switch self.base {
            case .unrecognizedPDUType: "unrecognized PDU type"
            case .pduTooLarge: "PDU too large"
            case .malformedPDU: "malformed PDU"
            case .tlsHandshakeOnPlainPort: "TLS handshake on plain DICOM port"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The PDU type byte as received.
    public var pduType: UInt8
    /// Details for the log.
    public var message: String
    /// The reason to send in the provider-initiated A-ABORT.
    public var abortReason: Abort.Reason

    /// Creates an error.
    public init(code: Code, pduType: UInt8, message: String, abortReason: Abort.Reason) {
        self.code = code
        self.pduType = pduType
        self.message = message
        self.abortReason = abortReason
    }

    static func malformed(
        _ pduType: UInt8,
        _ message: String,
        reason: Abort.Reason = .invalidPDUParameterValue
    ) -> PDUDecodingError {
        PDUDecodingError(code: .malformedPDU, pduType: pduType, message: message, abortReason: reason)
    }

    /// A readable form for logs.
    public var description: String {
        "\(self.code) (type \(String(self.pduType, radix: 16))h): \(self.message)"
    }
}
