import DICOM
import Foundation

/// Writes small valid Part 10 instances (CT-like, Explicit VR Little Endian) for tests.
enum InstanceFactory {
    static let ctImageStorage = "1.2.840.10008.5.1.4.1.1.2"

    struct Made {
        var url: URL
        var study: String
        var series: String
        var sop: String
    }

    /// The data set of one instance; `pixelBytes` of pixel data (even).
    static func dataSet(study: String, series: String, sop: String, number: Int, pixelBytes: Int, sopClass: String = ctImageStorage) -> DataSet {
        var dataSet = DataSet()
        dataSet.set(.sopClassUID, .UI, sopClass)
        dataSet.set(.sopInstanceUID, .UI, sop)
        dataSet.set(.studyDate, .DA, "20260101")
        dataSet.set(.studyTime, .TM, "101500")
        dataSet.set(.modality, .CS, "CT")
        dataSet.set(.patientName, .PN, "Test^Patient\(number % 7)")
        dataSet.set(.patientID, .LO, "PID\(number % 7)")
        dataSet.set(.studyInstanceUID, .UI, study)
        dataSet.set(.seriesInstanceUID, .UI, series)
        dataSet.set(.seriesNumber, .IS, "1")
        dataSet.set(.instanceNumber, .IS, "\(number)")
        let side = max(1, Int(Double(pixelBytes / 2).squareRoot()))
        dataSet[.samplesPerPixel] = DataElement(tag: .samplesPerPixel, vr: .US, bytes: [1, 0])
        dataSet.set(.photometricInterpretation, .CS, "MONOCHROME2")
        dataSet[.rows] = DataElement(tag: .rows, vr: .US, bytes: [UInt8(side & 0xFF), UInt8(side >> 8)])
        dataSet[.columns] = DataElement(tag: .columns, vr: .US, bytes: [UInt8(side & 0xFF), UInt8(side >> 8)])
        dataSet[.bitsAllocated] = DataElement(tag: .bitsAllocated, vr: .US, bytes: [16, 0])
        dataSet[.bitsStored] = DataElement(tag: .bitsStored, vr: .US, bytes: [12, 0])
        dataSet[.highBit] = DataElement(tag: .highBit, vr: .US, bytes: [11, 0])
        dataSet[.pixelRepresentation] = DataElement(tag: .pixelRepresentation, vr: .US, bytes: [0, 0])
        var pixels = [UInt8](repeating: 0, count: side * side * 2)
        var seed = UInt32(truncatingIfNeeded: number &* 2_654_435_761)
        for index in stride(from: 0, to: pixels.count, by: 2) {
            seed = seed &* 1_103_515_245 &+ 12345
            pixels[index] = UInt8(truncatingIfNeeded: seed >> 16)
            pixels[index + 1] = UInt8(truncatingIfNeeded: seed >> 24) & 0x0F
        }
        dataSet[.pixelData] = DataElement(tag: .pixelData, vr: .OW, bytes: pixels)
        return dataSet
    }

    /// Writes `count` instances of one series into `directory`.
    static func write(count: Int, into directory: URL, pixelBytes: Int = 512, study: String? = nil, series: String? = nil) throws -> [Made] {
        let generator = try UIDGenerator()
        let study = study ?? generator.make()
        let series = series ?? generator.make()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try (0..<count).map { number in
            let sop = generator.make()
            let url = directory.appendingPathComponent("\(number).dcm")
            try write(dataSet(study: study, series: series, sop: sop, number: number, pixelBytes: pixelBytes), to: url)
            return Made(url: url, study: study, series: series, sop: sop)
        }
    }

    static func write(_ dataSet: DataSet, to url: URL) throws {
        let sopClass = dataSet.string(.sopClassUID) ?? ctImageStorage
        let sop = dataSet.string(.sopInstanceUID) ?? "1.2.3"
        let meta = FileMetaInformation(sopClassUID: sopClass, sopInstanceUID: sop, transferSyntax: .explicitVRLittleEndian)
        try DICOMFile(meta: meta, transferSyntax: .explicitVRLittleEndian, dataSet: dataSet).write(to: url.path)
    }

    /// The data set bytes (after the Part 10 header) of a file.
    static func dataSetBytes(_ path: String) throws -> Data {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let header = try Part10Header.parse(Array(data.prefix(1 << 16)), isComplete: data.count <= 1 << 16) else {
            throw TestFailure("no Part 10 header in \(path)")
        }
        return data.subdata(in: header.dataSetOffset..<data.count)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
