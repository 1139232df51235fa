import Foundation
import Testing

@testable import DICOM

/// Small helpers shared by the DICOM tests.
enum Support {
    /// All events of `bytes` parsed in one go (or in `chunk`-sized pieces).
    static func events(
        _ bytes: [UInt8], syntax: TransferSyntax, configuration: DataSetParser.Configuration = .init(), chunk: Int? = nil
    ) throws(DICOMError) -> [DataSetEvent] {
        let parser = try DataSetParser(transferSyntax: syntax, configuration: configuration)
        var events: [DataSetEvent] = []
        var offset = 0
        let step = chunk ?? max(bytes.count, 1)
        while offset < bytes.count {
            parser.append(bytes[offset..<min(offset + step, bytes.count)])
            offset += step
            while let event = try parser.next() { events.append(event) }
        }
        parser.finish()
        while let event = try parser.next() { events.append(event) }
        return events
    }

    static func dataSet(_ bytes: [UInt8], syntax: TransferSyntax, chunk: Int? = nil) throws(DICOMError) -> DataSet {
        var builder = DataSetBuilder()
        for event in try events(bytes, syntax: syntax, chunk: chunk) { builder.add(event) }
        return builder.dataSet
    }

    /// The `DICOMError` thrown by `body`, nil if it returns; any other error is a test failure.
    static func error(_ body: () throws -> Void) -> DICOMError? {
        do {
            try body()
            return nil
        } catch let error as DICOMError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    /// An explicit VR little-endian element header.
    static func explicit(_ tag: Tag, _ vr: VR, length: UInt32) -> [UInt8] {
        var writer = ByteWriter()
        writer.header(tag: tag, vr: vr, length: length, explicitVR: true)
        return writer.bytes
    }

    static func implicit(_ tag: Tag, length: UInt32) -> [UInt8] {
        var writer = ByteWriter()
        writer.header(tag: tag, vr: .UN, length: length, explicitVR: false)
        return writer.bytes
    }

    static func temporaryPath(_ suffix: String = ".dcm") -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("dicom-gw-test-\(UUID().uuidString)\(suffix)").path
    }
}

/// Swift Testing also exports a `Tag` (test tags); inside this test module `Tag` means
/// the DICOM one.
typealias Tag = DICOM.Tag
