import Testing

@testable import DICOM

@Suite struct DictionaryTests {
    @Test func looksUpStandardTags() throws {
        let entry = try #require(DataDictionary.entry(for: .patientName))
        #expect(entry.keyword == "PatientName")
        #expect(entry.name == "Patient's Name")
        #expect(entry.vrs == [.PN])
        #expect(entry.vm == "1")
        #expect(!entry.isRetired)
        #expect(DataDictionary.tag(forKeyword: "StudyInstanceUID") == .studyInstanceUID)
        #expect(DataDictionary.entry(for: Tag(0x0009_1001)) == nil)
    }

    @Test func resolvesRepeatingGroupsAndAlternatives() throws {
        let overlay = try #require(DataDictionary.entry(for: Tag(group: 0x6002, element: 0x3000)))
        #expect(overlay.keyword == "OverlayData")
        #expect(overlay.implicitVR == .OW)
        #expect(DataDictionary.entry(for: Tag(group: 0x6001, element: 0x3000)) == nil)
        #expect(DataDictionary.implicitVR(for: .pixelData) == .OW)
        #expect(DataDictionary.implicitVR(for: Tag(0x0009_0010)) == .LO)
        #expect(DataDictionary.implicitVR(for: Tag(0x0009_1010)) == .UN)
        #expect(DataDictionary.implicitVR(for: Tag(0x0008_0000)) == .UL)
        #expect(DataDictionary.entry(for: Tag(0x0028_0106))?.vrs == [.US, .SS])
    }

    @Test func knowsTransferSyntaxes() throws {
        let implicit = try #require(TransferSyntax(uid: "1.2.840.10008.1.2"))
        #expect(!implicit.isExplicitVR && !implicit.isBigEndian && implicit.isNative)
        #expect(TransferSyntax.explicitVRBigEndian.isBigEndian)
        #expect(TransferSyntax.deflatedExplicitVRLittleEndian.isDeflated)
        for uid in ["1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80",
                    "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.5",
                    "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.107"] {
            let syntax = try #require(TransferSyntax(uid: uid))
            #expect(syntax.isEncapsulated && syntax.isExplicitVR && !syntax.isBigEndian, "\(uid)")
        }
        #expect(TransferSyntax(uid: "1.2.3.4") == nil)
        #expect(TransferSyntax.forUID("1.2.3.4").isEncapsulated)
        #expect(TransferSyntax.all.count > 50)
    }

    @Test func knowsStorageSOPClasses() {
        #expect(SOPClass.ctImageStorage.isStorage)
        #expect(SOPClass.ctImageStorage.uid == "1.2.840.10008.5.1.4.1.1.2")
        #expect(SOPClass.encapsulatedPDFStorage.isStorage)
        #expect(!SOPClass.verification.isStorage)
        #expect(!SOPClass.storageCommitmentPushModel.isStorage)
        #expect(!SOPClass.mediaStorageDirectoryStorage.isStorage)
        #expect(SOPClass.allStorage.count > 150)
        #expect(SOPClass.allStorage.allSatisfy { $0.isStorage })
        #expect(Set(SOPClass.allStorage).count == SOPClass.allStorage.count)
        #expect(SOPClass("1.2.3").name == "1.2.3")
        #expect(SOPClass.ctImageStorage.name == "CT Image Storage")
    }
}
