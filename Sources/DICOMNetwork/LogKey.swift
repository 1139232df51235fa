/// Structured logging metadata keys used by this module.
public enum LogKey {
    /// A process-unique association identifier.
    public static let associationID = "dicom.association_id"
    /// The calling AE title.
    public static let callingAE = "dicom.calling_ae"
    /// The called AE title.
    public static let calledAE = "dicom.called_ae"
    /// The peer's address.
    public static let peer = "dicom.peer"
    /// A DIMSE message ID.
    public static let messageID = "dicom.message_id"
    /// A DIMSE status.
    public static let status = "dicom.status"
    /// An error description.
    public static let error = "dicom.error"
}
