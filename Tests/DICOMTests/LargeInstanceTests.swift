import Foundation
import Testing

@testable import DICOM

/// A 500 MiB multi-frame instance, generated streamed to a temporary file, read with bounded
/// memory: the parser never buffers more than its value cap plus one read chunk.
@Suite(.serialized) struct LargeInstanceTests {
    static let pixelLength = 500 << 20
    static let frames = 1000

    /// Pixel byte at offset `i` of the pixel data: changes every 4 KiB, so a misplaced chunk shows.
    static func pattern(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: i >> 12) }

    static func writeInstance(to path: String) throws -> (dataSetOffset: Int, fileSize: Int) {
        var dataSet = DataSet()
        dataSet.set(.sopClassUID, .UI, SOPClass.multiFrameGrayscaleWordSecondaryCaptureImageStorage.uid)
        dataSet.set(.sopInstanceUID, .UI, "2.25.1234")
        dataSet.set(.studyInstanceUID, .UI, "2.25.1")
        dataSet.set(.seriesInstanceUID, .UI, "2.25.2")
        dataSet.set(.modality, .CS, "OT")
        dataSet.set(.numberOfFrames, .IS, String(frames))
        dataSet[.rows] = DataElement(tag: .rows, vr: .US, bytes: [0x00, 0x02])
        dataSet[.columns] = DataElement(tag: .columns, vr: .US, bytes: [0x00, 0x02])
        let meta = try FileMetaInformation.header(
            sopClassUID: SOPClass.multiFrameGrayscaleWordSecondaryCaptureImageStorage.uid, sopInstanceUID: "2.25.1234",
            transferSyntax: .explicitVRLittleEndian, sourceAETitle: nil)
        var head = try DataSetWriter.encode(dataSet, transferSyntax: .explicitVRLittleEndian)
        head += Support.explicit(.pixelData, .OW, length: UInt32(pixelLength))
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.write(contentsOf: Data(meta + head))
        let block = 4 << 20
        var chunk = [UInt8](repeating: 0, count: block)
        for start in stride(from: 0, to: pixelLength, by: block) {
            for page in stride(from: 0, to: block, by: 4096) {
                let value = pattern(start + page)
                chunk.withUnsafeMutableBufferPointer { buffer in
                    for i in page..<page + 4096 { buffer[i] = value }
                }
            }
            try handle.write(contentsOf: Data(chunk))
        }
        return (meta.count, meta.count + head.count + pixelLength)
    }

    @Test func readsFiveHundredMegabytesWithBoundedBuffers() throws {
        let path = Support.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (dataSetOffset, fileSize) = try Self.writeInstance(to: path)

        // 1. Skip: the header is parsed, the pixel bytes are passed over.
        var config = DataSetParser.Configuration()
        config.maxValueLength = 1 << 16
        let readChunk = 1 << 18
        let skipping = try DICOMFileReader(path: path, configuration: config, chunkSize: readChunk)
        var pixelHeader: ElementHeader?
        var maxBuffered = 0
        while let event = try skipping.next() {
            maxBuffered = max(maxBuffered, skipping.parser.bufferedByteCount)
            if case .element(let header, nil) = event, header.tag == .pixelData { pixelHeader = header }
        }
        #expect(pixelHeader?.length == UInt32(Self.pixelLength))
        // The pixel data is sought over, not read.
        #expect(skipping.bytesRead + skipping.bytesSkipped == Int64(fileSize))
        #expect(skipping.bytesSkipped > Int64(Self.pixelLength - 2 * readChunk))
        #expect(skipping.parser.isComplete)
        #expect(maxBuffered <= config.maxValueLength + readChunk)

        // 2. Stream: every pixel byte is seen once, in order.
        config.largeValues = .stream
        let streaming = try DICOMFileReader(path: path, configuration: config, chunkSize: readChunk)
        var seen = 0
        var misplaced = 0
        while let event = try streaming.next() {
            if case .valueChunk(let bytes) = event {
                if bytes.first != Self.pattern(seen) || bytes.last != Self.pattern(seen + bytes.count - 1) { misplaced += 1 }
                seen += bytes.count
                maxBuffered = max(maxBuffered, streaming.parser.bufferedByteCount)
            }
        }
        #expect(seen == Self.pixelLength)
        #expect(misplaced == 0)
        #expect(maxBuffered <= config.maxValueLength + readChunk)

        // 3. Pass-through: network-sized fragments through the header collector.
        let collector = try DataSetHeaderCollector(transferSyntax: .explicitVRLittleEndian)
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(dataSetOffset))
        while let data = try handle.read(upToCount: 16_372), !data.isEmpty {
            try collector.feed([UInt8](data))
        }
        let header = try collector.finish()
        #expect(header.sopInstanceUID == "2.25.1234")
        #expect(header.modality == "OT")
        #expect(collector.byteCount == Int64(fileSize - dataSetOffset))
    }
}
