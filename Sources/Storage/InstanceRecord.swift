public import DICOM
public import Foundation

/// What the database records about one received instance: the row values for
/// `dicom_gw.studies`, `series` and `instances`.
public struct InstanceRecord: Sendable, Hashable {
    public var uids: InstanceUIDs
    public var sopClassUID: String
    public var transferSyntaxUID: String
    public var patientID: String?
    public var patientName: String?
    /// ISO 8601 date (`YYYY-MM-DD`), or nil when absent or not a valid DA.
    public var patientBirthDate: String?
    public var patientSex: String?
    public var accessionNumber: String?
    /// ISO 8601 date, or nil.
    public var studyDate: String?
    /// `HH:MM:SS[.ffffff]`, or nil when absent or not a valid TM.
    public var studyTime: String?
    public var studyDescription: String?
    public var referringPhysicianName: String?
    public var modality: String?
    public var seriesNumber: Int32?
    public var seriesDescription: String?
    public var instanceNumber: Int32?
    /// Where the file is, relative to the storage root.
    public var filePath: String
    public var sizeBytes: Int64
    /// SHA-256 of the data set bytes as received (not of the file, whose meta header
    /// depends on who sent it).
    public var sha256: [UInt8]
    public var callingAETitle: String?
    public var calledAETitle: String?
    public var peerAddress: String?
    public var associationID: UUID?

    public init(
        uids: InstanceUIDs, sopClassUID: String, transferSyntaxUID: String, filePath: String,
        sizeBytes: Int64, sha256: [UInt8]
    ) {
        self.uids = uids
        self.sopClassUID = sopClassUID
        self.transferSyntaxUID = transferSyntaxUID
        self.filePath = filePath
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
    }

    /// Fills the patient, study and series attributes from a parsed header, dropping
    /// values that do not fit their column (a malformed date is recorded as NULL rather
    /// than failing the object).
    public mutating func apply(_ header: InstanceHeader) {
        patientID = header.patientID.nonEmpty
        patientName = header.patientName.nonEmpty
        patientBirthDate = DICOMDateTime.isoDate(fromDA: header.patientBirthDate)
        patientSex = header.patientSex.nonEmpty
        accessionNumber = header.accessionNumber.nonEmpty
        studyDate = DICOMDateTime.isoDate(fromDA: header.studyDate)
        studyTime = DICOMDateTime.isoTime(fromTM: header.studyTime)
        studyDescription = header.studyDescription.nonEmpty
        referringPhysicianName = header.referringPhysicianName.nonEmpty
        modality = header.modality.nonEmpty
        seriesNumber = DICOMDateTime.integer(fromIS: header.seriesNumber)
        seriesDescription = header.seriesDescription.nonEmpty
        instanceNumber = DICOMDateTime.integer(fromIS: header.instanceNumber)
    }
}

extension Optional<String> {
    fileprivate var nonEmpty: String? {
        guard let self else { return nil }
        let trimmed = self.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\0")))
        return trimmed.isEmpty ? nil : trimmed
    }
}

/// Conversions of DICOM DA, TM and IS values to what PostgreSQL columns accept.
enum DICOMDateTime {
    /// `YYYYMMDD` (or the ACR-NEMA `YYYY.MM.DD`) to `YYYY-MM-DD`, nil unless a real date.
    static func isoDate(fromDA value: String?) -> String? {
        guard let value else { return nil }
        let digits = value.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ".", with: "")
        guard digits.count == 8, digits.allSatisfy(\.isASCIIDigit),
              let year = Int(digits.prefix(4)), let month = Int(digits.dropFirst(4).prefix(2)),
              let day = Int(digits.suffix(2)),
              (1...9999).contains(year), (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        return "\(digits.prefix(4))-\(digits.dropFirst(4).prefix(2))-\(digits.suffix(2))"
    }

    /// `HH[MM[SS[.F{1,6}]]]` (or `HH:MM:SS`) to `HH:MM:SS[.ffffff]`, nil unless valid.
    static func isoTime(fromTM value: String?) -> String? {
        guard let value else { return nil }
        let text = value.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ":", with: "")
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, [2, 4, 6].contains(whole.count), whole.allSatisfy(\.isASCIIDigit) else { return nil }
        let hour = Int(whole.prefix(2)) ?? 99
        let minute = whole.count >= 4 ? Int(whole.dropFirst(2).prefix(2)) ?? 99 : 0
        let second = whole.count == 6 ? Int(whole.suffix(2)) ?? 99 : 0
        guard hour < 24, minute < 60, second < 60 else { return nil }
        var result = String(format: "%02d:%02d:%02d", hour, minute, second)
        if parts.count == 2 {
            let fraction = parts[1]
            guard whole.count == 6, (1...6).contains(fraction.count), fraction.allSatisfy(\.isASCIIDigit) else { return nil }
            result += "." + fraction
        }
        return result
    }

    /// An IS value as a 32-bit integer, nil unless it is one.
    static func integer(fromIS value: String?) -> Int32? {
        guard let value else { return nil }
        return Int32(value.trimmingCharacters(in: .whitespaces))
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
