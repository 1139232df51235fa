/// The attributes the gateway records for each stored instance, decoded from the top level
/// of its data set.
public struct InstanceHeader: Sendable, Hashable {
    /// The tags an `InstanceHeader` is made from, in tag order.
    public static let tags: [Tag] = [
        .specificCharacterSet, .sopClassUID, .sopInstanceUID, .studyDate, .studyTime,
        .accessionNumber, .modality, .referringPhysicianName, .studyDescription,
        .seriesDescription, .patientName, .patientID, .patientBirthDate, .patientSex,
        .studyInstanceUID, .seriesInstanceUID, .seriesNumber, .instanceNumber,
    ]

    /// SOP Class UID (0008,0016), padding removed.
    public var sopClassUID: String?
    /// SOP Instance UID (0008,0018).
    public var sopInstanceUID: String?
    /// Study Instance UID (0020,000D).
    public var studyInstanceUID: String?
    /// Series Instance UID (0020,000E).
    public var seriesInstanceUID: String?
    /// Patient ID (0010,0020).
    public var patientID: String?
    /// Patient's Name (0010,0010), in DICOM PN form (`Family^Given`).
    public var patientName: String?
    /// Patient's Birth Date (0010,0030), YYYYMMDD.
    public var patientBirthDate: String?
    /// Patient's Sex (0010,0040).
    public var patientSex: String?
    /// Accession Number (0008,0050).
    public var accessionNumber: String?
    /// Study Date (0008,0020).
    public var studyDate: String?
    /// Study Time (0008,0030).
    public var studyTime: String?
    /// Study Description (0008,1030).
    public var studyDescription: String?
    /// Referring Physician's Name (0008,0090).
    public var referringPhysicianName: String?
    /// Modality (0008,0060).
    public var modality: String?
    /// Series Number (0020,0011), as text.
    public var seriesNumber: String?
    /// Series Description (0008,103E).
    public var seriesDescription: String?
    /// Instance Number (0020,0013), as text.
    public var instanceNumber: String?
    /// The Specific Character Set used to decode the text.
    public var specificCharacterSet: SpecificCharacterSet

    /// Decodes the header attributes from a data set's top level; absent or empty values are nil.
    public init(dataSet: DataSet) {
        let charset = dataSet.specificCharacterSet
        func text(_ tag: Tag) -> String? {
            guard let value = dataSet.string(tag, characterSet: charset) else { return nil }
            let trimmed = value.drop { $0 == " " }
            return trimmed.isEmpty ? nil : String(trimmed)
        }
        func uid(_ tag: Tag) -> String? { text(tag).map(UID.trimmingPadding) }
        specificCharacterSet = charset
        sopClassUID = uid(.sopClassUID)
        sopInstanceUID = uid(.sopInstanceUID)
        studyInstanceUID = uid(.studyInstanceUID)
        seriesInstanceUID = uid(.seriesInstanceUID)
        patientID = text(.patientID)
        patientName = text(.patientName)
        patientBirthDate = text(.patientBirthDate)
        patientSex = text(.patientSex)
        accessionNumber = text(.accessionNumber)
        studyDate = text(.studyDate)
        studyTime = text(.studyTime)
        studyDescription = text(.studyDescription)
        referringPhysicianName = text(.referringPhysicianName)
        modality = text(.modality)
        seriesNumber = text(.seriesNumber)
        seriesDescription = text(.seriesDescription)
        instanceNumber = text(.instanceNumber)
    }

    /// Checks that the four identifying UIDs are present and valid (PS3.5 §9.1), as the
    /// storage layer requires before building paths from them.
    ///
    /// - Throws: `DICOMError` with code `.invalidValue` naming the first missing or invalid UID.
    public func validateUIDs() throws(DICOMError) {
        let uids: [(String, String?)] = [
            ("SOP Class UID", sopClassUID), ("SOP Instance UID", sopInstanceUID),
            ("Study Instance UID", studyInstanceUID), ("Series Instance UID", seriesInstanceUID),
        ]
        for (name, value) in uids {
            guard let value else { throw DICOMError(.invalidValue, "\(name) is missing") }
            guard UID.isValid(value) else { throw DICOMError(.invalidValue, "\(name) '\(value)' is not a valid UID") }
        }
    }
}
