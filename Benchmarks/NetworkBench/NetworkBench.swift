import DICOM
import DICOMNetwork
import Foundation
import Logging
import NIOCore

/// Benchmark helper for scripts/bench-network.sh (not a test):
///
///     network-bench generate DIR COUNT BYTES   write COUNT Part 10 files of about BYTES each
///     network-bench serve PORT DIR [MAXPDU]    run our SCP (AE BENCH) writing files into DIR
@main
enum NetworkBench {
    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst()
        switch arguments.first {
        case "generate":
            let rest = Array(arguments.dropFirst())
            guard rest.count == 3, let count = Int(rest[1]), let bytes = Int(rest[2]) else { return usage() }
            try generate(directory: rest[0], count: count, bytes: bytes)
        case "serve":
            let rest = Array(arguments.dropFirst())
            guard rest.count >= 2, let port = Int(rest[0]) else { return usage() }
            let maxPDU = rest.count > 2 ? UInt32(rest[2]) ?? 16384 : 16384
            try await serve(port: port, directory: rest[1], maxPDU: maxPDU)
        default:
            usage()
        }
    }

    static func usage() {
        FileHandle.standardError.write(Data("usage: network-bench generate DIR COUNT BYTES | serve PORT DIR [MAXPDU]\n".utf8))
        exit(2)
    }

    static func serve(port: Int, directory: String, maxPDU: UInt32) async throws {
        var logger = Logger(label: "network-bench")
        logger.logLevel = .warning
        let server = DICOMServer(
            configuration: .init(host: "127.0.0.1", port: port, policy: AcceptancePolicy(aeTitle: "BENCH", maxPDULength: maxPDU)),
            handler: FileWritingStoreHandler(directory: directory), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let ports = try await server.listeningPorts()
            FileHandle.standardOutput.write(Data("listening \(ports.plain ?? 0)\n".utf8))
            try await group.next()
        }
    }

    /// Secondary Capture objects in Explicit VR Little Endian with unique UIDs and OB pixel data.
    static func generate(directory: String, count: Int, bytes: Int) throws {
        let sopClass = "1.2.840.10008.5.1.4.1.1.7"
        let root = "1.2.826.0.1.3680043.10.1484.9.\(Int(Date().timeIntervalSince1970))"
        let study = "\(root).1"
        let series = "\(root).2"
        let pixels = [UInt8](repeating: 0x5A, count: max(bytes - 600, 2) & ~1)
        for index in 0..<count {
            let instance = "\(root).3.\(index + 1)"
            var out = try FileMetaInformation.header(
                sopClassUID: sopClass, sopInstanceUID: instance, transferSyntax: .explicitVRLittleEndian, sourceAETitle: "BENCH")
            func element(_ group: UInt16, _ elementNumber: UInt16, _ vr: String, _ value: [UInt8]) {
                var value = value
                if value.count % 2 == 1 { value.append(vr == "UI" ? 0 : 0x20) }
                out += [UInt8(group & 0xFF), UInt8(group >> 8), UInt8(elementNumber & 0xFF), UInt8(elementNumber >> 8)]
                out += Array(vr.utf8)
                if vr == "OB" {
                    let length = UInt32(value.count)
                    out += [0, 0, UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), UInt8(length >> 24)]
                } else {
                    out += [UInt8(value.count & 0xFF), UInt8(value.count >> 8)]
                }
                out += value
            }
            element(0x0008, 0x0016, "UI", Array(sopClass.utf8))
            element(0x0008, 0x0018, "UI", Array(instance.utf8))
            element(0x0008, 0x0060, "CS", Array("OT".utf8))
            element(0x0010, 0x0010, "PN", Array("BENCH^PATIENT".utf8))
            element(0x0010, 0x0020, "LO", Array("BENCH01".utf8))
            element(0x0020, 0x000D, "UI", Array(study.utf8))
            element(0x0020, 0x000E, "UI", Array(series.utf8))
            element(0x0028, 0x0002, "US", [1, 0])
            element(0x0028, 0x0004, "CS", Array("MONOCHROME2".utf8))
            element(0x0028, 0x0010, "US", [0, 2])
            element(0x0028, 0x0011, "US", [UInt8((pixels.count / 512) & 0xFF), UInt8((pixels.count / 512) >> 8)])
            element(0x0028, 0x0100, "US", [8, 0])
            element(0x0028, 0x0101, "US", [8, 0])
            element(0x0028, 0x0102, "US", [7, 0])
            element(0x0028, 0x0103, "US", [0, 0])
            element(0x7FE0, 0x0010, "OB", pixels)
            let path = (directory as NSString).appendingPathComponent(String(format: "IMG%05d.dcm", index + 1))
            guard FileManager.default.createFile(atPath: path, contents: Data(out)) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
        }
    }
}
