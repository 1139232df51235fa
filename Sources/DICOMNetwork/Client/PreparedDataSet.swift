public import NIOCore

/// A stored object's data set read into memory ahead of its C-STORE, so that a sender can read
/// the next object while the peer is still answering the current one (see
/// `ClientAssociation.readAhead(_:)` and `ClientAssociation.store(prepared:priority:)`).
///
/// Holds at most `ClientAssociation.wholeReadLength` bytes; larger objects are streamed
/// from their file instead and never prepared.
public struct PreparedDataSet: Sendable {
    /// The file the bytes were read from, and what its meta information says.
    public let file: DICOMFileSummary
    /// The data set bytes (from `file.dataSetOffset` to the end of the file).
    public let bytes: ByteBuffer
}
