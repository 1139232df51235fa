import Foundation
import Testing

@testable import DICOM

@Suite struct RoundTripTests {
    static let nonDeflated = CorpusTests.readable.filter { $0 != "image_dfl.dcm" }

    static func bytes(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: Corpus.path(name))))
    }

    static func fullRead(_ name: String) throws -> DICOMFile {
        var options = DICOMFile.ReadOptions()
        options.maxValueLength = 64 << 20
        return try DICOMFile.read(path: Corpus.path(name), options: options)
    }

    /// Read → write in the file's own syntax reproduces the data set byte for byte.
    @Test(arguments: nonDeflated)
    func writesDataSetBackIdentically(_ name: String) throws {
        let original = try Self.bytes(name)
        let file = try Self.fullRead(name)
        let written = try DataSetWriter.encode(file.dataSet, transferSyntax: file.transferSyntax)
        #expect(written == Array(original[file.dataSetOffset...]), "\(name) in \(file.transferSyntax)")
    }

    /// The meta information too, when the file's group length is right.
    @Test(arguments: nonDeflated)
    func writesMetaBackIdentically(_ name: String) throws {
        let original = try Self.bytes(name)
        let file = try Self.fullRead(name)
        guard let meta = file.meta else {
            // The one raw data set file of the corpus (besides no_meta.dcm).
            #expect(name == "rtstruct.dcm")
            return
        }
        let written = try meta.encoded()
        #expect(Array(written[128...]) == Array(original[128..<file.dataSetOffset]), "\(name)")
    }

    /// A flat, order-preserving view of a data set for comparing across encodings: what
    /// must survive a conversion (tags, nesting, value bytes), not how it was framed.
    static func flatten(_ dataSet: DataSet, depth: Int = 0) -> [String] {
        var lines: [String] = []
        for element in dataSet.elements {
            switch element.value {
            case .bytes(let bytes):
                lines.append("\(depth) \(element.tag) \(bytes.count) \(bytes.hashValue)")
            case .sequence(let items):
                lines.append("\(depth) \(element.tag) SQ \(items.count)")
                for item in items { lines += flatten(item, depth: depth + 1) }
            case .fragments(let fragments):
                lines.append("\(depth) \(element.tag) fragments \(fragments.map(\.count))")
            case .skipped(let length):
                lines.append("\(depth) \(element.tag) skipped \(length)")
            }
        }
        return lines
    }

    static func transcode(_ name: String, to target: TransferSyntax) throws -> [UInt8] {
        var out: [UInt8] = []
        try DataSetTranscoder.transcode(path: Corpus.path(name), to: target, maxValueLength: 1024) { out += $0 }
        return out
    }

    /// Streaming conversion Explicit ↔ Implicit VR Little Endian keeps every value and the
    /// nesting, and the result reads back (and through DCMTK) as the same data set.
    @Test(arguments: CorpusTests.readable)
    func transcodesBetweenImplicitAndExplicit(_ name: String) throws {
        let file = try Self.fullRead(name)
        let reference = Self.flatten(file.dataSet)
        for target in [TransferSyntax.implicitVRLittleEndian, .explicitVRLittleEndian] {
            if file.transferSyntax.isEncapsulated && !target.isExplicitVR { continue }
            let bytes = try Self.transcode(name, to: target)
            let parser = try DataSetParser(transferSyntax: target)
            parser.append(bytes)
            parser.finish()
            var builder = DataSetBuilder()
            while let event = try parser.next() { builder.add(event) }
            #expect(parser.isComplete)
            #expect(Self.flatten(builder.dataSet) == reference, "\(name) → \(target)")
        }
    }

    /// DCMTK reads our conversion of an explicit file to implicit with the same elements.
    @Test(arguments: ["CT_small.dcm", "test-SR.dcm", "UN_sequence.dcm", "rtplan.dcm"])
    func dcmtkReadsTranscodedFiles(_ name: String) throws {
        let source = try Self.fullRead(name)
        let target: TransferSyntax = source.transferSyntax.isExplicitVR ? .implicitVRLittleEndian : .explicitVRLittleEndian
        if source.transferSyntax.isEncapsulated { return }
        let meta = try FileMetaInformation.header(
            sopClassUID: source.meta?.mediaStorageSOPClassUID ?? "1.2", sopInstanceUID: source.meta?.mediaStorageSOPInstanceUID ?? "1.2",
            transferSyntax: target, sourceAETitle: "TEST")
        let body = try Self.transcode(name, to: target)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dicom-\(UUID().uuidString).dcm").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(meta + body).write(to: URL(fileURLWithPath: path))
        let dump = try Corpus.run("/usr/bin/dcmdump", ["-q", "+L", "-Un", path])
        #expect(dump.status == 0)
        let original = try Corpus.run("/usr/bin/dcmdump", ["-q", "+L", "-Un", Corpus.path(name)])
        let tags = { (text: String) in DCMDumpLine.parse(text).filter { !$0.isMeta }.map(\.tag) }
        #expect(tags(dump.output) == tags(original.output))
    }
}
