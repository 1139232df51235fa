import DICOMNetwork
import Foundation
import Testing

enum DCMDump {
    /// Parses a received raw data set with dcmdump in its transfer syntax and checks it
    /// decodes without error and carries the expected SOP Instance UID.
    static func expectIntact(
        _ record: RecordingStoreHandler.Received, sopInstanceUID: String, in directory: URL,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let path = directory.appendingPathComponent("received-\(UUID().uuidString).raw")
        try Data(record.bytes).write(to: path)
        let syntaxFlag: String
        switch record.request.transferSyntaxUID {
        case NetworkUID.implicitVRLittleEndian: syntaxFlag = "-ti"
        case NetworkUID.explicitVRBigEndian: syntaxFlag = "-tb"
        case NetworkUID.deflatedExplicitVRLittleEndian: syntaxFlag = "-td"
        default: syntaxFlag = "-te"
        }
        let out = try await ToolRunner.run("/usr/bin/dcmdump", ["-f", syntaxFlag, "-E", "+P", "0008,0018", path.path])
        #expect(out.status == 0, "dcmdump: \(out.stderr)", sourceLocation: sourceLocation)
        #expect(out.stdout.contains(sopInstanceUID), "\(out.stdout)", sourceLocation: sourceLocation)
    }
}
