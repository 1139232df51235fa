import DICOM
/// The handful of UIDs the network layer itself needs, as plain strings.
///
/// The full registry (SOP classes, transfer syntaxes) lives in the `DICOM` module.
public enum NetworkUID {
    /// DICOM Application Context Name (PS3.7 Annex A.2.1).
    public static let dicomApplicationContext = "1.2.840.10008.3.1.1.1"
    /// Verification SOP Class (C-ECHO).
    public static let verificationSOPClass = "1.2.840.10008.1.1"
    /// Implicit VR Little Endian, the default transfer syntax.
    public static let implicitVRLittleEndian = "1.2.840.10008.1.2"
    /// Explicit VR Little Endian.
    public static let explicitVRLittleEndian = "1.2.840.10008.1.2.1"
    /// Deflated Explicit VR Little Endian.
    public static let deflatedExplicitVRLittleEndian = "1.2.840.10008.1.2.1.99"
    /// Explicit VR Big Endian (retired, still seen).
    public static let explicitVRBigEndian = "1.2.840.10008.1.2.2"
    /// This implementation's class UID, sent in every association negotiation.
    /// The same as the one stored files carry, so a peer and a file name one product.
    public static let implementationClassUID = UID.implementationClassUID
    /// This implementation's version name (at most 16 characters).
    public static let implementationVersionName = UID.implementationVersionName
}
