import DICOM
import Foundation
import Storage
import Testing
import TestSupport

/// Real storescu sends to the in-process receiver; every acknowledged object is in the tree
/// and the rows, byte for byte.
@Suite("Receive: storescu interop", .requiresDatabase)
struct ReceiveInteropTests {
    /// Corpus files DCMTK reads whole (the truncated and broken ones are tested elsewhere).
    static let corpusFiles = [
        "CT_small.dcm", "ExplVR_BigEnd.dcm", "JPEG-lossy.dcm", "JPEG2000.dcm", "JPEGLSNearLossless_08.dcm",
        "MR_small.dcm", "MR_small_RLE.dcm", "MR_small_expb.dcm", "MR_small_implicit.dcm", "MR_small_jp2klossless.dcm",
        "SC_rgb_jpeg_dcmtk.dcm", "SC_rgb_rle.dcm", "SC_rgb_small_odd.dcm",
        "examples_overlay.dcm", "image_dfl.dcm", "liver_1frame.dcm", "nested_priv_SQ.dcm", "priv_SQ.dcm",
        "reportsi.dcm", "rtdose.dcm", "rtplan.dcm", "rtstruct.dcm", "test-SR.dcm", "waveform_ecg.dcm",
    ]

    @Test("storescu sends the corpus (each file in its own transfer syntax): every acknowledged file stored as sent")
    func corpus() async throws {
        let paths = Self.corpusFiles.map { PackageRoot.corpus.appendingPathComponent($0).path }
            .filter { FileManager.default.fileExists(atPath: $0) }
        try #require(paths.count >= 20, "corpus not found at \(PackageRoot.corpus.path)")
        let scratch = try GatewayHarness.temporaryDirectory("gw-corpus")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try await GatewayHarness.with { gateway in
            // One association per file, proposing only its own transfer syntax: storescu
            // 3.6.7 would otherwise try (and fail) to decompress what the gateway prefers
            // uncompressed.
            var acknowledged: [String] = []
            var sent = 0
            for path in paths {
                // Files without meta information or SOP UIDs are not objects storescu can send.
                guard let source = try? InstanceFileInspector.inspect(path, full: true),
                      let sopClass = source.meta.mediaStorageSOPClassUID ?? source.header?.sopClassUID,
                      source.header?.sopInstanceUID != nil
                else { continue }
                sent += 1
                let output = try await Tool.storescuAsIs(
                    port: gateway.port, file: path, sopClass: sopClass, transferSyntax: source.transferSyntaxUID, scratch: scratch)
                let acked = Tool.acknowledged(in: output.stderr)
                if source.header?.studyInstanceUID != nil, source.header?.seriesInstanceUID != nil {
                    #expect(acked == [path], "\(path): \(output.stderr.suffix(600))")
                } else {
                    // No Study or Series Instance UID: no place in the tree, refused.
                    #expect(acked.isEmpty, "\(path) has no study/series UID but was acknowledged")
                    #expect(output.stderr.contains("CannotUnderstand"), "\(path): \(output.stderr.suffix(600))")
                }
                acknowledged += acked
            }

            #expect(sent >= 18)
            #expect(acknowledged.count >= 16)
            let state = try await TreeState.read(gateway.layout, pool: gateway.pool)
            #expect(state.agrees)
            #expect(state.incoming.isEmpty)
            var firstBySOP: [String: String] = [:]
            for path in acknowledged {
                let source = try InstanceFileInspector.inspect(path, full: true)
                guard let sop = source.header?.sopInstanceUID else { Issue.record("no SOP UID in \(path)"); continue }
                if firstBySOP[sop] == nil { firstBySOP[sop] = path }
            }
            for (sop, path) in firstBySOP {
                let source = try InstanceFileInspector.inspect(path, full: true)
                guard let row = state.rows[sop] else {
                    Issue.record("no row for \(path)")
                    continue
                }
                let stored = try InstanceFileInspector.inspect(gateway.layout.absolute(row.path), full: true)
                #expect(stored.sha256 == row.sha256, "\(path)")
                #expect(stored.dataSetSize == row.size, "\(path)")
                #expect(stored.transferSyntaxUID == source.transferSyntaxUID, "\(path)")
                #expect(stored.header?.studyInstanceUID == source.header?.studyInstanceUID, "\(path)")
                // storescu re-encodes what it reads (group lengths, trailing padding, deflate),
                // so "what was sent" is not the file's bytes; the byte-for-byte comparison is
                // made on the generated instances, which storescu sends unchanged.
            }
            try Self.expectModes(state)
        }
    }

    @Test("storescu sends 500 generated instances: 500 rows, 500 files, byte-identical, 0640/0750, verify clean")
    func fiveHundred() async throws {
        let directory = try GatewayHarness.temporaryDirectory("gw-500")
        defer { try? FileManager.default.removeItem(at: directory) }
        let made = try InstanceFactory.write(count: 500, into: directory, pixelBytes: 2048)
        try await GatewayHarness.with { gateway in
            let output = try await Tool.storescu(port: gateway.port, files: [directory.path], extra: ["+sd"], timeout: 120)
            #expect(output.status == 0, "\(output.stderr.suffix(2000))")
            #expect(Tool.acknowledged(in: output.stderr).count == 500)

            let state = try await TreeState.read(gateway.layout, pool: gateway.pool)
            #expect(state.rows.count == 500)
            #expect(state.files.count == 500)
            #expect(state.agrees)
            #expect(state.incoming.isEmpty)
            for instance in made {
                let row = try #require(state.rows[instance.sop])
                #expect(row.path == "storage/studies/\(instance.study)/\(instance.series)/\(instance.sop).dcm")
                let sent = try InstanceFactory.dataSetBytes(instance.url.path)
                let stored = try InstanceFactory.dataSetBytes(gateway.layout.absolute(row.path))
                #expect(sent == stored)
                #expect(Int64(stored.count) == row.size)
            }
            try Self.expectModes(state)
            let report = try await StorageVerifier(
                configuration: .init(checksums: true), layout: gateway.layout, pool: gateway.pool
            ).run()
            #expect(report.drifts.isEmpty, "\(report.drifts)")
            #expect(report.rowsChecked == 500)
        }
    }

    static func expectModes(_ state: TreeState) throws {
        for file in state.files.values {
            #expect(file.mode == 0o640, "\(file.relativePath) has mode \(String(file.mode, radix: 8))")
        }
        for directory in state.directories {
            #expect(directory.mode == 0o750, "\(directory.relativePath) has mode \(String(directory.mode, radix: 8))")
        }
    }
}
