import Foundation
import Testing

@testable import DICOM

@Suite struct Part10Tests {
    @Test func writesMetaWithGroupLengthAndIdentity() throws {
        let bytes = try FileMetaInformation.header(
            sopClassUID: SOPClass.ctImageStorage.uid, sopInstanceUID: "1.2.3.4",
            transferSyntax: .explicitVRLittleEndian, sourceAETitle: "MODALITY")
        #expect(bytes.prefix(128).allSatisfy { $0 == 0 })
        #expect(Array(bytes[128..<132]) == Array("DICM".utf8))
        let header = try #require(try Part10Header.parse(bytes, isComplete: true))
        #expect(header.dataSetOffset == bytes.count)
        #expect(header.transferSyntax == .explicitVRLittleEndian)
        let meta = try #require(header.meta)
        #expect(meta.mediaStorageSOPClassUID == SOPClass.ctImageStorage.uid)
        #expect(meta.mediaStorageSOPInstanceUID == "1.2.3.4")
        #expect(meta.implementationClassUID == UID.implementationClassUID)
        #expect(meta.implementationVersionName == UID.implementationVersionName)
        #expect(meta.sourceAETitle == "MODALITY")
        // (0002,0000) holds the byte count of the rest of the group.
        let groupLength = try #require(meta.dataSet[.fileMetaInformationGroupLength]?.bytes)
        #expect(ValueDecoding.unsigned(groupLength, width: 4) == [UInt64(bytes.count - 144)])
    }

    @Test func refusesInvalidUIDsInMeta() {
        #expect(throws: DICOMError.self) {
            _ = try FileMetaInformation.header(
                sopClassUID: "1.2.03", sopInstanceUID: "1.2", transferSyntax: .implicitVRLittleEndian, sourceAETitle: nil)
        }
    }

    @Test func waitsForTheWholeMeta() throws {
        let bytes = try FileMetaInformation.header(
            sopClassUID: "1.2", sopInstanceUID: "1.2.3", transferSyntax: .implicitVRLittleEndian, sourceAETitle: nil)
        for cut in [0, 100, 132, 140, bytes.count - 1] {
            #expect(try Part10Header.parse(Array(bytes.prefix(cut)), isComplete: false) == nil)
        }
        #expect(throws: DICOMError.self) { _ = try Part10Header.parse(Array(bytes.prefix(150)), isComplete: true) }
    }

    @Test func guessesSyntaxOfRawDataSets() throws {
        let explicit: [UInt8] = [0x08, 0x00, 0x05, 0x00, 0x43, 0x53, 0x0A, 0x00]
        let implicit: [UInt8] = [0x08, 0x00, 0x05, 0x00, 0x0A, 0x00, 0x00, 0x00]
        let big: [UInt8] = [0x00, 0x08, 0x00, 0x05, 0x43, 0x53, 0x00, 0x0A]
        #expect(Part10Header.guessTransferSyntax(explicit, at: 0) == .explicitVRLittleEndian)
        #expect(Part10Header.guessTransferSyntax(implicit, at: 0) == .implicitVRLittleEndian)
        #expect(Part10Header.guessTransferSyntax(big, at: 0) == .explicitVRBigEndian)
    }

    /// The corpus's no_meta.dcm is CT_small's data set with one stray leading byte; DCMTK
    /// fails on it and so do we, the same way. Without that byte it reads as CT_small.
    @Test func rawDataSetFileReadsLikeDCMTK() throws {
        let error = #expect(throws: DICOMError.self) {
            _ = try DICOMFile.read(path: Corpus.path("no_meta.dcm"))
        }
        #expect(error?.code == .truncated)
        let dcmdump = try Corpus.run("/usr/bin/dcmdump", ["-q", Corpus.path("no_meta.dcm")])
        #expect(dcmdump.status != 0)

        let raw = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Corpus.path("no_meta.dcm"))))
        let fixed = try DICOMFile.read(bytes: Array(raw.dropFirst()))
        #expect(fixed.meta == nil)
        #expect(fixed.transferSyntax == .explicitVRLittleEndian)
        let reference = try DICOMFile.read(path: Corpus.path("CT_small.dcm"))
        #expect(fixed.dataSet == reference.dataSet)
    }
}
