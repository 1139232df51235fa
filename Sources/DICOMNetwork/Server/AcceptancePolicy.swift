import DICOM

/// Who may associate with the acceptor and what it accepts: the inputs of negotiation.
public struct AcceptancePolicy: Sendable, Hashable {
    /// Our AE title.
    public var aeTitle: String
    /// Reject requests whose called AE title is not `aeTitle`.
    public var requireCalledAETitle: Bool
    /// When set, only these calling AE titles may associate (each optionally bound to addresses).
    public var allowedCallers: [AllowedCaller]?
    /// Abstract syntaxes (SOP classes) accepted besides Verification, which is always accepted.
    /// Defaults to every Storage SOP Class of the DICOM dictionary.
    public var abstractSyntaxes: Set<String>
    /// Accepted transfer syntaxes, most preferred first; for each context the first of these
    /// that the proposer offered is chosen.
    public var transferSyntaxPreference: [String]
    /// The maximum P-DATA-TF length we advertise and accept.
    public var maxPDULength: UInt32

    /// A calling AE title allowed to associate, optionally only from some addresses.
    public struct AllowedCaller: Sendable, Hashable {
        /// The calling AE title.
        public var aeTitle: String
        /// Peer IP addresses it may connect from; empty means any.
        public var addresses: Set<String>
        /// Creates an entry.
        public init(aeTitle: String, addresses: Set<String> = []) {
            self.aeTitle = aeTitle
            self.addresses = addresses
        }
    }

    /// Every Storage SOP Class registered in PS3.6 (from the `DICOM` module's generated dictionary).
    public static let allStorageSOPClasses: Set<String> = Set(SOPClass.allStorage.map(\.uid))

    /// The uncompressed transfer syntaxes, explicit first, then the common encapsulated ones,
    /// so compressed data sets are accepted as sent.
    public static let defaultTransferSyntaxPreference: [String] = [
        NetworkUID.explicitVRLittleEndian,
        NetworkUID.implicitVRLittleEndian,
        NetworkUID.deflatedExplicitVRLittleEndian,
        NetworkUID.explicitVRBigEndian,
        "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70",
        "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91",
        "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203", "1.2.840.10008.1.2.5",
        "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.101", "1.2.840.10008.1.2.4.102", "1.2.840.10008.1.2.4.103",
        "1.2.840.10008.1.2.4.104", "1.2.840.10008.1.2.4.105", "1.2.840.10008.1.2.4.106",
        "1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.4.108",
    ]

    /// Creates a policy.
    public init(
        aeTitle: String,
        requireCalledAETitle: Bool = true,
        allowedCallers: [AllowedCaller]? = nil,
        abstractSyntaxes: Set<String> = AcceptancePolicy.allStorageSOPClasses,
        transferSyntaxPreference: [String] = AcceptancePolicy.defaultTransferSyntaxPreference,
        maxPDULength: UInt32 = 65536
    ) {
        self.aeTitle = aeTitle
        self.requireCalledAETitle = requireCalledAETitle
        self.allowedCallers = allowedCallers
        self.abstractSyntaxes = abstractSyntaxes
        self.transferSyntaxPreference = transferSyntaxPreference
        self.maxPDULength = maxPDULength
    }
}
