import Foundation
import Testing

@testable import DICOM

@Suite struct CorpusTests {
    static let readable = Corpus.files.filter { !Corpus.truncated.contains($0) && $0 != "no_meta.dcm" }

    @Test func corpusIsPresent() {
        #expect(Corpus.files.count >= 30, "corpus not found at \(Corpus.pydicom.path)")
    }

    /// The records our parser produces for a file: meta elements, then the data set.
    static func records(_ name: String) throws(DICOMError) -> (meta: DataSet?, records: [DumpRecord]) {
        try records(path: Corpus.path(name))
    }

    static func records(path: String) throws(DICOMError) -> (meta: DataSet?, records: [DumpRecord]) {
        var config = DataSetParser.Configuration()
        config.maxValueLength = 64 << 20
        let reader = try DICOMFileReader(path: path, configuration: config)
        var recorder = DumpRecorder()
        while let event = try reader.next() {
            recorder.add(event)
        }
        return (reader.header.meta?.dataSet, recorder.records)
    }

    @Test(arguments: readable)
    func matchesDCMDump(_ name: String) throws {
        try Self.compareWithDCMDump(path: Corpus.path(name), name: name)
    }

    /// Compares what we read from `path` with what dcmdump prints for it, line by line.
    static func compareWithDCMDump(path: String, name: String) throws {
        let dump = try Corpus.run("/usr/bin/dcmdump", ["-q", "+L", "-Un", "+U8", path])
        #expect(dump.status == 0)
        let expected = DCMDumpLine.parse(dump.output)
        #expect(!expected.isEmpty)
        let (meta, records) = try Self.records(path: path)

        let expectedMeta = expected.filter(\.isMeta)
        let metaElements = meta?.elements ?? []
        #expect(metaElements.count == expectedMeta.count, "\(name): meta element count")
        for (element, line) in zip(metaElements, expectedMeta) {
            #expect(element.tag == line.tag, "\(name) meta")
            #expect(element.vr.description == line.vr, "\(name) meta \(line.tag)")
            #expect(UInt32(element.bytes?.count ?? -1) == line.length, "\(name) meta \(line.tag)")
            if element.vr.isString, let bytes = element.bytes {
                #expect(ValueFormatter.text(bytes, vr: element.vr) == line.value, "\(name) meta \(line.tag)")
            }
        }

        // +U8 makes dcmdump convert text to UTF-8 and declare ISO_IR 192 in (0008,0005),
        // adding the element when the file has none.
        let hasCharset = records.contains { $0.depth == 0 && $0.tag == .specificCharacterSet }
        let expectedData = expected.filter { !$0.isMeta && (hasCharset || $0.depth != 0 || $0.tag != .specificCharacterSet) }
        #expect(records.count == expectedData.count, "\(name): \(records.count) elements, dcmdump \(expectedData.count)")
        for (record, line) in zip(records, expectedData) {
            let context = "\(name) at offset \(record.offset): ours \(record.tag) \(record.vr), dcmdump \(line)"
            #expect(record.tag == line.tag, "\(context)")
            #expect(record.depth == line.depth, "\(context)")
            let length = record.length == ElementHeader.undefinedLength ? nil : record.length
            // DCMTK pads odd lengths, and +U8 re-encodes non-ASCII text (and the charset).
            let reencoded = line.value.map { $0.utf8.contains { $0 >= 0x80 } } ?? false
            let padded = length.map { $0 % 2 == 1 && line.length == $0 + 1 } ?? false
            if (record.kind != .item || line.length != nil) && !reencoded && !padded && record.tag != .specificCharacterSet {
                #expect(length == line.length, "\(context)")
            }
            if record.kind == .element {
                #expect(Self.vrMatches(record, line.vr), "\(context)")
                if let value = line.value, Self.comparable(record.vr), record.tag != .specificCharacterSet {
                    #expect(record.value == value, "\(context)")
                }
            }
        }
    }

    /// VRs compared exactly, except where DCMTK uses knowledge we deliberately do not have
    /// (its private dictionary for implicit-VR private tags) or resolves "US or SS" style
    /// alternatives from other attributes.
    static func vrMatches(_ record: DumpRecord, _ dcmtk: String) -> Bool {
        if record.vr.description == dcmtk { return true }
        if record.isExplicitVR { return !record.vr.isKnown && dcmtk == "??" }
        if record.vr == .UN && (dcmtk == "??" || record.tag.isPrivate) { return true }
        let alternatives = DataDictionary.entry(for: record.tag)?.vrs.map(\.description) ?? []
        return alternatives.contains(dcmtk)
    }

    static func comparable(_ vr: VR) -> Bool {
        vr.isString || [VR.US, .UL, .SS, .SL, .AT].contains(vr)
    }

    @Test(arguments: Array(Corpus.truncated).sorted())
    func truncatedFilesFailCleanly(_ name: String) throws {
        let error = #expect(throws: DICOMError.self) {
            _ = try Self.records(name)
        }
        #expect(error?.code == .truncated)
        #expect(error?.offset != nil)
    }
}
