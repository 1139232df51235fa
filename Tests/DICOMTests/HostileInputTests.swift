import Foundation
import Testing

@testable import DICOM

@Suite struct HostileInputTests {
    @Test func absurdLengthIsNotAllocated() throws {
        // A UN element claiming almost 4 GiB, followed by 10 bytes.
        let bytes = Support.explicit(Tag(0x0009_1000), .UN, length: 0xFFFF_FFF0) + [UInt8](repeating: 7, count: 10)
        for policy in [LargeValuePolicy.skip, .stream] {
            var config = DataSetParser.Configuration()
            config.largeValues = policy
            let parser = try DataSetParser(transferSyntax: .explicitVRLittleEndian, configuration: config)
            parser.append(bytes)
            parser.finish()
            let error = Support.error {
                while try parser.next() != nil {
                    #expect(parser.bufferedByteCount <= bytes.count)
                }
            }
            #expect(error?.code == .truncated)
            #expect(error?.offset == 0)
        }
    }

    /// A file that ends inside a huge skipped value: the reader seeks to the end and reports
    /// truncation (once it looped there forever).
    @Test func fileEndingInsideAHugeValueIsTruncated() throws {
        let bytes = Support.explicit(.pixelData, .OW, length: 0x7FFF_FFF0) + [UInt8](repeating: 1, count: 1000)
        let path = Support.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var config = DataSetParser.Configuration()
        config.maxValueLength = 16
        let reader = try DICOMFileReader(path: path, configuration: config, chunkSize: 4096)
        let error = Support.error { while try reader.next() != nil {} }
        #expect(error?.code == .truncated)
        #expect(error?.offset == 0)
    }

    @Test func absurdLengthInMetaIsRefused() throws {
        var bytes = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
        bytes += Support.explicit(.fileMetaInformationVersion, .OB, length: 0x7FFF_FFFF)
        let error = Support.error { _ = try Part10Header.parse(bytes, isComplete: false) }
        #expect(error?.code == .lengthTooLarge)
        #expect(error?.offset == 132)
    }

    @Test func elementPastTheEndOfItsItemIsRefused() throws {
        // Sequence (defined length 24) → item (length 16) → element claiming 100 bytes.
        var bytes = Support.explicit(.referencedSeriesSequence, .SQ, length: 24)
        bytes += [0xFE, 0xFF, 0x00, 0xE0, 16, 0, 0, 0]
        bytes += Support.explicit(.seriesInstanceUID, .UI, length: 100) + [UInt8](repeating: 0x31, count: 100)
        let error = Support.error { _ = try Support.events(bytes, syntax: .explicitVRLittleEndian) }
        #expect(error?.code == .invalidLength)
        #expect(error?.offset == 20)
    }

    @Test func itemPastTheEndOfItsSequenceIsRefused() throws {
        var bytes = Support.explicit(.referencedSeriesSequence, .SQ, length: 8)
        bytes += [0xFE, 0xFF, 0x00, 0xE0, 200, 0, 0, 0]
        let error = Support.error { _ = try Support.events(bytes, syntax: .explicitVRLittleEndian) }
        #expect(error?.code == .invalidLength)
        #expect(error?.offset == 12)
    }

    @Test func endlessNestingIsCut() throws {
        // 10 000 nested undefined-length sequences, each with one undefined-length item.
        var bytes: [UInt8] = []
        for _ in 0..<10_000 {
            bytes += Support.implicit(.referencedSeriesSequence, length: ElementHeader.undefinedLength)
            bytes += [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]
        }
        var config = DataSetParser.Configuration()
        config.maxDepth = 32
        let error = Support.error { _ = try Support.events(bytes, syntax: .implicitVRLittleEndian, configuration: config) }
        #expect(error?.code == .nestingTooDeep)
        #expect(error?.offset == Int64(32 * 16))
    }

    @Test func misplacedTagsAreRefused() throws {
        let strayDelimiter: [UInt8] = [0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]
        #expect(Support.error { _ = try Support.events(strayDelimiter, syntax: .explicitVRLittleEndian) }?.code == .unexpectedTag)

        var notAnItem = Support.explicit(.referencedSeriesSequence, .SQ, length: ElementHeader.undefinedLength)
        notAnItem += Support.explicit(.patientID, .LO, length: 2) + [0x41, 0x20]
        let error = Support.error { _ = try Support.events(notAnItem, syntax: .explicitVRLittleEndian) }
        #expect(error?.code == .unexpectedTag)
        #expect(error?.offset == 12)

        let itemAtTopLevel: [UInt8] = [0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]
        #expect(Support.error { _ = try Support.events(itemAtTopLevel, syntax: .implicitVRLittleEndian) }?.code == .unexpectedTag)
    }

    @Test func undefinedLengthOnAFixedVRIsRefused() throws {
        var writer = ByteWriter()
        writer.tag(.rows)
        writer.append(Array("UT".utf8) + [0, 0])
        writer.u32(ElementHeader.undefinedLength)
        let error = Support.error { _ = try Support.events(writer.bytes, syntax: .explicitVRLittleEndian) }
        #expect(error?.code == .invalidVR)
    }

    @Test func undefinedLengthFragmentIsRefused() throws {
        var bytes = Support.explicit(.pixelData, .OB, length: ElementHeader.undefinedLength)
        bytes += [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(Support.error { _ = try Support.events(bytes, syntax: .jpegBaseline8Bit) }?.code == .invalidLength)
    }

    @Test func garbageDeflateIsAnError() throws {
        let error = Support.error {
            _ = try Support.events([UInt8](repeating: 0xFF, count: 64), syntax: .deflatedExplicitVRLittleEndian)
        }
        #expect(error?.code == .deflate)
    }

    /// Every prefix of real files either parses as a shorter data set (cut at a top-level
    /// element boundary) or fails as truncated, with an offset inside the input.
    @Test(arguments: ["rtplan.dcm", "nested_priv_SQ.dcm", "UN_sequence.dcm", "reportsi.dcm", "SC_rgb_rle.dcm", "image_dfl.dcm"])
    func everyTruncationFailsCleanly(_ name: String) throws {
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Corpus.path(name))))
        let header = try #require(try Part10Header.parse(file, isComplete: true))
        let body = Array(file[header.dataSetOffset...])
        var truncatedCount = 0
        for cut in 0..<body.count {
            let error = Support.error { _ = try Support.events(Array(body.prefix(cut)), syntax: header.transferSyntax) }
            if let error {
                let allowed: Set<DICOMError.Code> = header.transferSyntax.isDeflated ? [.truncated, .deflate] : [.truncated]
                #expect(allowed.contains(error.code), "\(name) cut at \(cut): \(error)")
                if !header.transferSyntax.isDeflated {
                    #expect((error.offset ?? -1) >= 0 && (error.offset ?? .max) <= Int64(cut), "\(name) cut at \(cut)")
                }
                truncatedCount += 1
            }
        }
        #expect(truncatedCount > body.count / 2)
    }

    /// Random bytes never crash the parser, whatever the syntax.
    @Test func randomBytesNeverCrash() throws {
        var generator = SystemRandomNumberGenerator()
        let syntaxes: [TransferSyntax] = [.implicitVRLittleEndian, .explicitVRLittleEndian, .explicitVRBigEndian, .deflatedExplicitVRLittleEndian, .jpeg2000]
        var errors = 0
        for round in 0..<2000 {
            let count = Int.random(in: 0..<512, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Bias towards structure: plant item and sequence tags.
            if count > 16 && round % 2 == 0 {
                bytes.replaceSubrange(8..<12, with: [0xFE, 0xFF, 0x00, 0xE0])
            }
            let syntax = syntaxes[round % syntaxes.count]
            if Support.error({ _ = try Support.events(bytes, syntax: syntax, chunk: 7) }) != nil { errors += 1 }
        }
        #expect(errors > 0)
    }
}
