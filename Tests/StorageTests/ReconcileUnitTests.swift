import Crypto
import DICOM
import Foundation
import Storage
import Testing

@Suite("Storage: file inspection and tree walking (no database)")
struct ReconcileUnitTests {
    private func temporaryRoot() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dicom-gw-reconcile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func instance(sop: String) -> DataSet {
        var dataSet = DataSet()
        dataSet.set(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.7")
        dataSet.set(.sopInstanceUID, .UI, sop)
        dataSet.set(.patientName, .PN, "Doe^Jane")
        dataSet.set(.studyInstanceUID, .UI, "1.2.3")
        dataSet.set(.seriesInstanceUID, .UI, "1.2.3.4")
        dataSet[.pixelData] = DataElement(tag: .pixelData, vr: .OB, bytes: [UInt8](repeating: 7, count: 700_000))
        return dataSet
    }

    @Test("a stored file reads back: meta, header, data set size and SHA-256 of the data set bytes")
    func inspect() throws {
        let root = try temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/x.dcm"
        let dataSet = instance(sop: "1.2.3.4.5")
        let meta = FileMetaInformation(sopClassUID: "1.2.840.10008.5.1.4.1.1.7", sopInstanceUID: "1.2.3.4.5", transferSyntax: .explicitVRLittleEndian)
        try DICOMFile(meta: meta, transferSyntax: .explicitVRLittleEndian, dataSet: dataSet).write(to: path)
        let bytes = try DataSetWriter.encode(dataSet, transferSyntax: .explicitVRLittleEndian)

        let full = try InstanceFileInspector.inspect(path, full: true)
        #expect(full.header?.sopInstanceUID == "1.2.3.4.5")
        #expect(full.header?.patientName == "Doe^Jane")
        #expect(full.dataSetSize == Int64(bytes.count))
        #expect(full.sha256 == Array(SHA256.hash(data: bytes)))
        #expect(full.transferSyntaxUID == TransferSyntax.explicitVRLittleEndian.uid)

        let quick = try InstanceFileInspector.inspect(path, full: false)
        #expect(quick.dataSetSize == Int64(bytes.count))
        #expect(quick.sha256 == nil)
    }

    @Test("garbage, truncation and a missing file are told apart")
    func unreadable() throws {
        let root = try temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data(repeating: 0x41, count: 500).write(to: URL(fileURLWithPath: root + "/garbage.dcm"))
        #expect(throws: StorageError.self) { try InstanceFileInspector.inspect(root + "/garbage.dcm", full: true) }
        do {
            _ = try InstanceFileInspector.inspect(root + "/garbage.dcm", full: true)
        } catch {
            #expect(error.code == .unreadable)
        }
        let path = root + "/whole.dcm"
        let meta = FileMetaInformation(sopClassUID: "1.2.840.10008.5.1.4.1.1.7", sopInstanceUID: "1.2.3.4.5", transferSyntax: .explicitVRLittleEndian)
        try DICOMFile(meta: meta, transferSyntax: .explicitVRLittleEndian, dataSet: instance(sop: "1.2.3.4.5")).write(to: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 1000).write(to: URL(fileURLWithPath: root + "/cut.dcm"))
        do {
            _ = try InstanceFileInspector.inspect(root + "/cut.dcm", full: true)
            Issue.record("a truncated file read as whole")
        } catch {
            #expect(error.code == .unreadable)
        }
        do {
            _ = try InstanceFileInspector.inspect(root + "/none.dcm", full: false)
            Issue.record("a missing file read")
        } catch {
            #expect(error.code == .notFound)
        }
    }

    @Test("the walk separates instance files from anything else, and quarantine keeps the relative path")
    func walk() throws {
        let root = try temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let layout = StorageLayout(root: root)
        try layout.prepare()
        let fm = FileManager.default
        try fm.createDirectory(atPath: layout.absolute("storage/studies/1.2/1.2.3"), withIntermediateDirectories: true)
        try fm.createDirectory(atPath: layout.absolute("storage/studies/not-a-uid"), withIntermediateDirectories: true)
        try Data([1]).write(to: URL(fileURLWithPath: layout.absolute("storage/studies/1.2/1.2.3/1.2.3.4.dcm")))
        try Data([1]).write(to: URL(fileURLWithPath: layout.absolute("storage/studies/1.2/1.2.3/readme")))
        try Data([1]).write(to: URL(fileURLWithPath: layout.absolute("storage/studies/1.2/1.2.3/1.02.dcm")))
        try fm.createDirectory(atPath: layout.absolute("failed/quarantine/x"), withIntermediateDirectories: true)

        var listing = TreeListing()
        try StorageTree.scan(try StorageTree.studyNames(in: .studies, layout: layout), in: .studies, layout: layout, into: &listing)
        #expect(listing.instanceFiles.map(\.relativePath) == ["storage/studies/1.2/1.2.3/1.2.3.4.dcm"])
        #expect(Set(listing.unexpected.map(\.relativePath)) == [
            "storage/studies/not-a-uid", "storage/studies/1.2/1.2.3/readme", "storage/studies/1.2/1.2.3/1.02.dcm",
        ])
        #expect(try StorageTree.studyNames(in: .failed, layout: layout).isEmpty)

        let moved = try StorageTree.quarantine("storage/studies/1.2/1.2.3/readme", layout: layout)
        #expect(moved == "failed/quarantine/storage/studies/1.2/1.2.3/readme")
        try Data([2]).write(to: URL(fileURLWithPath: layout.absolute("storage/studies/1.2/1.2.3/readme")))
        #expect(try StorageTree.quarantine("storage/studies/1.2/1.2.3/readme", layout: layout) == moved + ".1")
        #expect(StorageTree.area(of: "forwarded/1/2/3.dcm") == .forwarded)
        #expect(StorageArea(storageState: "failed") == .failed)
        #expect(StorageArea(storageState: "deleted") == nil)
    }
}
