import Foundation
import Testing

@testable import DICOM

@Suite struct GeneratedDataTests {
    /// A data set with sequences nested `depth` deep, all of undefined length (sequences and
    /// items), two items per level, text and binary values at each level.
    static func nested(depth: Int, undefined: Bool = true) -> DataSet {
        func level(_ d: Int) -> DataSet {
            var item = DataSet(hasUndefinedLength: undefined)
            item.set(.referencedSOPClassUID, .UI, SOPClass.ctImageStorage.uid)
            item.set(.referencedSOPInstanceUID, .UI, "1.2.3.\(d)")
            item[.rows] = DataElement(tag: .rows, vr: .US, bytes: [UInt8(d), 0])
            if d > 0 {
                let child = DataElement(tag: .referencedImageSequence, vr: .SQ, value: .sequence([level(d - 1), level(d - 1)]), hasUndefinedLength: undefined)
                item[.referencedImageSequence] = child
            }
            return item
        }
        var dataSet = DataSet()
        dataSet.set(.sopClassUID, .UI, SOPClass.ctImageStorage.uid)
        dataSet.set(.sopInstanceUID, .UI, "1.2.3.4")
        dataSet.set(.patientName, .PN, "Nested^Test")
        dataSet[.referencedImageSequence] = DataElement(
            tag: .referencedImageSequence, vr: .SQ, value: .sequence([level(depth - 1)]), hasUndefinedLength: undefined)
        dataSet[.pixelData] = DataElement(tag: .pixelData, vr: .OW, bytes: [UInt8](repeating: 1, count: 32))
        return dataSet
    }

    @Test(arguments: [TransferSyntax.explicitVRLittleEndian, .implicitVRLittleEndian, .explicitVRBigEndian])
    func nestedUndefinedLengthSequencesRoundTrip(_ syntax: TransferSyntax) throws {
        for undefined in [true, false] {
            let dataSet = Self.nested(depth: 6, undefined: undefined)
            let bytes = try DataSetWriter.encode(dataSet, transferSyntax: syntax)
            // Whole, and fed a byte at a time (every split point of every header).
            #expect(try Support.dataSet(bytes, syntax: syntax) == dataSet)
            #expect(try Support.dataSet(bytes, syntax: syntax, chunk: 1) == dataSet)
            #expect(try DataSetWriter.encode(Support.dataSet(bytes, syntax: syntax), transferSyntax: syntax) == bytes)
        }
    }

    /// DCMTK reads the generated file with the same structure we do.
    @Test(arguments: [TransferSyntax.explicitVRLittleEndian, .implicitVRLittleEndian])
    func dcmtkAgreesOnGeneratedNesting(_ syntax: TransferSyntax) throws {
        let file = DICOMFile(
            meta: FileMetaInformation(sopClassUID: SOPClass.ctImageStorage.uid, sopInstanceUID: "1.2.3.4", transferSyntax: syntax, sourceAETitle: "GEN"),
            transferSyntax: syntax, dataSet: Self.nested(depth: 5))
        let path = Support.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try file.write(to: path)
        try CorpusTests.compareWithDCMDump(path: path, name: "generated \(syntax)")
        let reread = try DICOMFile.read(path: path)
        #expect(reread.dataSet == file.dataSet)
        #expect(reread.meta?.sourceAETitle == "GEN")
    }

    /// The header collector finds the instance attributes in every readable corpus file fed
    /// in small pieces, in pieces larger than its parse step (where skipped values are only
    /// counted) and whole, and agrees with a full read.
    @Test(arguments: CorpusTests.readable)
    func collectorMatchesFullRead(_ name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Corpus.path(name))))
        let header = try #require(try Part10Header.parse(bytes, isComplete: true))
        let full = try DICOMFile.read(path: Corpus.path(name))
        let expected = InstanceHeader(dataSet: full.dataSet)
        for validate in [true, false] {
            for piece in [37, 40_000, bytes.count] {
                var config = DataSetHeaderCollector.Configuration()
                config.validateToEnd = validate
                config.maxValueLength = 1024  // so the corpus's pixel data is a skipped value
                let collector = try DataSetHeaderCollector(transferSyntax: header.transferSyntax, configuration: config)
                var offset = header.dataSetOffset
                while offset < bytes.count {
                    let end = min(offset + piece, bytes.count)
                    try collector.feed(Array(bytes[offset..<end]))
                    offset = end
                }
                let collected = try collector.finish()
                #expect(collected == expected, "\(name), pieces of \(piece)")
                #expect(collector.byteCount == Int64(bytes.count - header.dataSetOffset))
            }
        }
        if name == "CT_small.dcm" {
            #expect(expected.sopClassUID == SOPClass.ctImageStorage.uid)
            #expect(expected.modality == "CT")
            #expect(expected.patientName == "CompressedSamples^CT1")
            #expect(expected.specificCharacterSet == .latin1)
            #expect(throws: Never.self) { try expected.validateUIDs() }
        }
    }

    /// Fed whole, a data set cut inside its pixel data (a value the collector only counts)
    /// is still reported truncated; cut after it, it is complete.
    @Test func collectorReportsTruncationInsideASkippedValue() throws {
        var dataSet = DataSet()
        dataSet[.sopInstanceUID] = DataElement(tag: .sopInstanceUID, vr: .UI, string: "1.2.3")
        dataSet[.pixelData] = DataElement(tag: .pixelData, vr: .OB, bytes: [UInt8](repeating: 7, count: 200_000))
        let bytes = try DataSetWriter.encode(dataSet, transferSyntax: .explicitVRLittleEndian)
        let cut = try DataSetHeaderCollector(transferSyntax: .explicitVRLittleEndian)
        try cut.feed(Array(bytes.dropLast(1000)))
        #expect(Support.error { try cut.finish() }?.code == .truncated)
        let whole = try DataSetHeaderCollector(transferSyntax: .explicitVRLittleEndian)
        try whole.feed(bytes)
        #expect(try whole.finish().sopInstanceUID == "1.2.3")
        #expect(whole.byteCount == Int64(bytes.count))
    }

    @Test func collectorReportsTruncation() throws {
        let bytes = try DataSetWriter.encode(Self.nested(depth: 3), transferSyntax: .explicitVRLittleEndian)
        let collector = try DataSetHeaderCollector(transferSyntax: .explicitVRLittleEndian)
        try collector.feed(Array(bytes.dropLast(10)))
        let error = Support.error { try collector.finish() }
        #expect(error?.code == .truncated)
    }

    @Test func decodesCharacterSets() {
        let latin1: [UInt8] = [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72, 0x5E, 0x4A, 0xF6, 0x72, 0x67]
        #expect(SpecificCharacterSet.latin1.decode(latin1) == "Müller^Jörg")
        #expect(SpecificCharacterSet.utf8.decode(Array("Müller^Jörg".utf8)) == "Müller^Jörg")
        #expect(SpecificCharacterSet(Array("ISO 2022 IR 100".utf8)).decode(latin1) == "Müller^Jörg")
        // Unknown sets degrade: UTF-8 when valid, else Latin-1; never a failure.
        let unknown = SpecificCharacterSet(Array("ISO_IR 999".utf8))
        #expect(!unknown.isSupported)
        #expect(unknown.decode(Array("Ωmega".utf8)) == "Ωmega")
        #expect(unknown.decode(latin1) == "Müller^Jörg")
        #expect(SpecificCharacterSet.default.decode(Array("Plain^Name".utf8)) == "Plain^Name")
        var dataSet = DataSet()
        dataSet[.specificCharacterSet] = DataElement(tag: .specificCharacterSet, vr: .CS, string: "ISO_IR 100")
        dataSet[.patientName] = DataElement(tag: .patientName, vr: .PN, bytes: latin1 + [0x20])
        #expect(InstanceHeader(dataSet: dataSet).patientName == "Müller^Jörg")
    }
}
