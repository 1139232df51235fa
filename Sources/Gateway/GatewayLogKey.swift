/// Structured logging metadata keys of the gateway (see also `DICOMNetwork.LogKey`).
public enum GatewayLogKey {
    /// The SOP Instance UID of the object at hand.
    public static let sopInstanceUID = "dicom.sop_instance_uid"
    /// What storing an object did (`stored`, `replaced`, `identical`, …).
    public static let outcome = "storage.outcome"
    /// A byte count.
    public static let bytes = "storage.bytes"
    /// A path relative to the storage root.
    public static let path = "storage.path"
}
