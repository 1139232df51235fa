import Foundation
import Testing

@testable import DICOM

@Suite struct DumpFormatterTests {
    /// Our listing lines read back with the dcmdump line parser give dcmdump's tags, VRs,
    /// lengths and string values.
    @Test(arguments: ["CT_small.dcm", "test-SR.dcm", "rtplan.dcm", "JPEG2000.dcm"])
    func listingReadsLikeDCMDump(_ name: String) throws {
        let (_, records) = try CorpusTests.records(name)
        let ours = DCMDumpLine.parse(records.map(DumpFormatter.line).joined(separator: "\n"))
        let dump = try Corpus.run("/usr/bin/dcmdump", ["-q", "+L", "-Un", Corpus.path(name)])
        let theirs = DCMDumpLine.parse(dump.output).filter { !$0.isMeta }
        #expect(ours.count == theirs.count)
        for (a, b) in zip(ours, theirs) {
            #expect(a.tag == b.tag && a.depth == b.depth, "\(a) vs \(b)")
            if a.vr != "UN" && !["US", "SS"].contains(b.vr) {
                #expect(a.vr == b.vr, "\(a) vs \(b)")
            }
            #expect(a.length == b.length || a.length.map { $0 % 2 == 1 } == true, "\(a) vs \(b)")
            if let value = b.value, value.utf8.allSatisfy({ $0 < 0x80 }), b.vr != "OB", b.vr != "OW", b.vr != "pi", b.vr != "FD", b.vr != "FL", b.vr != "??" {
                #expect(a.value == value, "\(a) vs \(b)")
            }
        }
    }

    @Test func formatsStructureAndValues() {
        let header = DumpRecord(kind: .element, depth: 1, tag: .patientName, vr: .PN, length: 8, value: "Doe^John", isExplicitVR: true, offset: 0)
        let line = DumpFormatter.line(header)
        #expect(line.hasPrefix("  (0010,0010) PN [Doe^John]"))
        #expect(line.hasSuffix("#   8, 1 PatientName"))
        let sequence = DumpRecord(kind: .sequence, depth: 0, tag: .referencedSeriesSequence, vr: .SQ, length: ElementHeader.undefinedLength, value: nil, isExplicitVR: true, offset: 0)
        #expect(DumpFormatter.line(sequence).contains("SQ (Sequence with undefined length)"))
        #expect(DumpFormatter.line(sequence).contains("# u/l, 1 ReferencedSeriesSequence"))
        let skipped = DumpRecord(kind: .element, depth: 0, tag: .pixelData, vr: .OW, length: 1 << 20, value: nil, isExplicitVR: true, offset: 0)
        #expect(DumpFormatter.line(skipped).contains("(not loaded)"))
    }
}
