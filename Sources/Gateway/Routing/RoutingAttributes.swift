public import DICOM
import Foundation
public import Storage

/// What routes look at in one object: the association's AE titles and its attributes.
///
/// In the receive path the attributes are those recorded for the instance (patient, study,
/// series, UIDs) plus any other top-level tag a route names, collected from the data set as
/// it streams; `route test FILE` reads every top-level tag of the file.
public struct RoutingAttributes: Sendable {
    /// The sender's AE title.
    public var callingAE: String?
    /// The AE title the sender called.
    public var calledAE: String?
    /// Values by tag.
    public var values: [Tag: String]

    /// Attributes from explicit values.
    public init(callingAE: String?, calledAE: String?, values: [Tag: String]) {
        self.callingAE = callingAE
        self.calledAE = calledAE
        self.values = values
    }

    /// The attributes of a received instance as the receive path recorded them.
    public init(record: InstanceRecord) {
        var v: [Tag: String] = [
            .sopClassUID: record.sopClassUID, .sopInstanceUID: record.uids.sop,
            .studyInstanceUID: record.uids.study, .seriesInstanceUID: record.uids.series,
        ]
        v[.modality] = record.modality
        v[.patientID] = record.patientID
        v[.patientName] = record.patientName
        v[.patientSex] = record.patientSex
        v[.accessionNumber] = record.accessionNumber
        v[.studyDescription] = record.studyDescription
        v[.seriesDescription] = record.seriesDescription
        v[.referringPhysicianName] = record.referringPhysicianName
        v[.seriesNumber] = record.seriesNumber.map(String.init)
        v[.instanceNumber] = record.instanceNumber.map(String.init)
        v[.studyDate] = record.studyDate.map { $0.replacingOccurrences(of: "-", with: "") }
        v[.patientBirthDate] = record.patientBirthDate.map { $0.replacingOccurrences(of: "-", with: "") }
        self.init(callingAE: record.callingAETitle, calledAE: record.calledAETitle, values: v)
    }

    /// The attributes of a received instance: those recorded, plus the values of further tags
    /// the receive path collected from its data set for the routes (``ForwardHooks/extraTags()``).
    public init(record: InstanceRecord, extraValues: [Tag: String]) {
        self.init(record: record)
        // The data set's own text wins over the row's normalised form (dates, trimmed names).
        values.merge(extraValues) { _, fromDataSet in fromDataSet }
    }

    /// The attributes of a stored instance as the receive path saw them: the row's values
    /// plus every top-level tag of its file (for explaining routes on stored objects, as the
    /// admin API's route test does); the row alone when the file cannot be read.
    public init(record: InstanceRecord, fileAt path: String) {
        let file = try? RoutingAttributes(file: path, callingAE: record.callingAETitle, calledAE: record.calledAETitle)
        self.init(record: record, extraValues: file?.values ?? [:])
    }

    /// The attributes of a Part 10 file (every top-level element before the pixel data).
    /// - Throws: `DICOMError` when the file is unreadable.
    public init(file path: String, callingAE: String?, calledAE: String?) throws {
        var options = DICOMFile.ReadOptions()
        options.stopBefore = .pixelData
        let file = try DICOMFile.read(path: path, options: options)
        var v: [Tag: String] = [:]
        for element in file.dataSet.elements {
            if let s = file.dataSet.string(element.tag) { v[element.tag] = s }
        }
        if v[.sopClassUID] == nil, let uid = file.meta?.mediaStorageSOPClassUID { v[.sopClassUID] = uid }
        self.init(callingAE: callingAE, calledAE: calledAE, values: v)
    }

    /// The value a condition's field names, or nil when absent.
    public func value(of field: String) -> String? {
        switch field {
        case "calling_ae": return callingAE
        case "called_ae": return calledAE
        case "modality": return values[.modality]
        case "sop_class": return values[.sopClassUID]
        default: return Self.tag(named: field).flatMap { values[$0] }
        }
    }

    /// A tag by keyword (`PatientID`) or by number (`0010,0020`, `00100020`).
    public static func tag(named name: String) -> Tag? {
        if let tag = DataDictionary.tag(forKeyword: name) { return tag }
        let hex = name.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "(", with: "")
            .replacingOccurrences(of: ")", with: "")
        guard hex.count == 8, let raw = UInt32(hex, radix: 16) else { return nil }
        return Tag(raw)
    }
}
