/// The File Meta Information of a Part 10 file: group 0002, always Explicit VR Little Endian.
public struct FileMetaInformation: Sendable, Hashable {
    /// The group 0002 elements (without (0002,0000), which the writer computes).
    public var dataSet: DataSet

    /// Wraps existing group 0002 elements.
    public init(dataSet: DataSet) {
        self.dataSet = dataSet
    }

    /// Meta information for a new file written by dicom-gw.
    ///
    /// - Parameters:
    ///   - sopClassUID: Media Storage SOP Class UID (the data set's SOP Class UID).
    ///   - sopInstanceUID: Media Storage SOP Instance UID.
    ///   - transferSyntax: the transfer syntax of the data set that follows.
    ///   - sourceAETitle: the AE title that sent the data set, if any.
    public init(sopClassUID: String, sopInstanceUID: String, transferSyntax: TransferSyntax, sourceAETitle: String? = nil) {
        var dataSet = DataSet()
        dataSet[.fileMetaInformationVersion] = DataElement(tag: .fileMetaInformationVersion, vr: .OB, bytes: [0x00, 0x01])
        dataSet.set(.mediaStorageSOPClassUID, .UI, sopClassUID)
        dataSet.set(.mediaStorageSOPInstanceUID, .UI, sopInstanceUID)
        dataSet.set(.transferSyntaxUID, .UI, transferSyntax.uid)
        dataSet.set(.implementationClassUID, .UI, UID.implementationClassUID)
        dataSet.set(.implementationVersionName, .SH, UID.implementationVersionName)
        if let sourceAETitle, !sourceAETitle.isEmpty {
            dataSet.set(.sourceApplicationEntityTitle, .AE, sourceAETitle)
        }
        self.dataSet = dataSet
    }

    /// Transfer Syntax UID (0002,0010), padding removed.
    public var transferSyntaxUID: String? { uid(.transferSyntaxUID) }
    /// Media Storage SOP Class UID (0002,0002).
    public var mediaStorageSOPClassUID: String? { uid(.mediaStorageSOPClassUID) }
    /// Media Storage SOP Instance UID (0002,0003).
    public var mediaStorageSOPInstanceUID: String? { uid(.mediaStorageSOPInstanceUID) }
    /// Implementation Class UID (0002,0012).
    public var implementationClassUID: String? { uid(.implementationClassUID) }
    /// Implementation Version Name (0002,0013).
    public var implementationVersionName: String? { dataSet.string(.implementationVersionName) }
    /// Source Application Entity Title (0002,0016).
    public var sourceAETitle: String? { dataSet.string(.sourceApplicationEntityTitle) }

    /// The transfer syntax named by the meta information, if it names one.
    public var transferSyntax: TransferSyntax? {
        transferSyntaxUID.map(TransferSyntax.forUID)
    }

    /// The 128-byte preamble, "DICM" and group 0002 with its group length, ready to be
    /// followed by the data set bytes.
    public func encoded() throws(DICOMError) -> [UInt8] {
        var group = ByteWriter(capacity: 256)
        for element in dataSet.elements where element.tag.group == 0x0002 && element.tag != .fileMetaInformationGroupLength {
            try DataSetWriter.write(element, into: &group, explicitVR: true)
        }
        var out = ByteWriter(capacity: 144 + group.bytes.count)
        out.append([UInt8](repeating: 0, count: 128))
        out.append(Array("DICM".utf8))
        out.header(tag: .fileMetaInformationGroupLength, vr: .UL, length: 4, explicitVR: true)
        out.u32(UInt32(group.bytes.count))
        out.append(group.bytes)
        return out.bytes
    }

    /// The Part 10 header (preamble, "DICM", meta) for a data set received over the network,
    /// so a receiver can write it and then stream the data set bytes verbatim.
    ///
    /// - Throws: `.invalidValue` when a UID is invalid (PS3.5 §9.1).
    public static func header(sopClassUID: String, sopInstanceUID: String, transferSyntax: TransferSyntax, sourceAETitle: String?) throws(DICOMError) -> [UInt8] {
        for uid in [sopClassUID, sopInstanceUID, transferSyntax.uid] where !UID.isValid(uid) {
            throw DICOMError(.invalidValue, "invalid UID '\(uid)' in file meta information")
        }
        return try FileMetaInformation(
            sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID,
            transferSyntax: transferSyntax, sourceAETitle: sourceAETitle
        ).encoded()
    }

    private func uid(_ tag: Tag) -> String? {
        dataSet.string(tag).map(UID.trimmingPadding)
    }
}
