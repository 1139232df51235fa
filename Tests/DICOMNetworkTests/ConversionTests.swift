import DICOMNetwork
import Foundation
import NIOCore
import Testing

@Suite("SCU transfer syntax conversion and UID checks")
struct ConversionTests {
    /// dcmdump's view of a file's data set, without the meta group and its own comments.
    /// Sequence and item lengths are dropped: conversion writes them as undefined lengths.
    static func dump(_ path: String) async throws -> [String] {
        let out = try await ToolRunner.run("/usr/bin/dcmdump", ["-q", "+L", path])
        #expect(out.status == 0, "\(out.stderr)")
        return out.stdout.split(separator: "\n").map(String.init).compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("(0002,") || trimmed.hasPrefix("(fffe,") {
                return nil
            }
            if let range = line.range(of: " SQ (") { return String(line[..<range.lowerBound]) + " SQ" }
            return line
        }
    }

    @Test("a peer accepting only Implicit VR LE gets explicit and big-endian files converted")
    func convertsForImplicitOnlyPeer() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let files = try Corpus.copy(["CT_small.dcm", "MR_small_expb.dcm"], into: dir)
        var summaries: [DICOMFileSummary] = []
        for file in files { summaries.append(try await DICOMFileSummary.read(path: file.path)) }
        let scp = try ExternalSCP(outputDirectory: out, acceptedSyntaxes: "+xi")
        defer { scp.stop() }
        try await scp.waitUntilListening()
        let contexts = summaries.map { DICOMClient.ProposedContext(abstractSyntax: $0.sopClassUID, transferSyntaxes: $0.proposedTransferSyntaxes) }
        let outcomes = try await SCUTests.client(called: "STORESCP", maxPDU: 16384).withAssociation(
            host: "127.0.0.1", port: scp.port, contexts: contexts
        ) { association in
            #expect(association.acceptedContexts.allSatisfy { $0.transferSyntax == NetworkUID.implicitVRLittleEndian })
            var outcomes: [StoreOutcome] = []
            for summary in summaries { outcomes.append(try await association.store(file: summary)) }
            return outcomes
        }
        #expect(outcomes.map(\.status) == [.success, .success])
        try await Task.sleep(for: .milliseconds(200))
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path)
        for (summary, file) in zip(summaries, files) {
            let name = try #require(names.first { $0.hasSuffix(summary.sopInstanceUID) })
            let received = out.appendingPathComponent(name)
            #expect(try TestPart10(url: received).transferSyntax == NetworkUID.implicitVRLittleEndian)
            let got = try await Self.dump(received.path)
            let want = try await Self.dump(file.path)
            #expect(got == want, "\(file.lastPathComponent): \(got.difference(from: want).map { "\($0)" })")
        }
    }

    @Test("the SCP refuses an invalid SOP Instance UID before the handler sees it")
    func invalidInstanceUID() async throws {
        let handler = RecordingStoreHandler()
        let sop = "1.2.840.10008.5.1.4.1.1.7"
        try await TestServer.with(TestServer.configuration(), handler: handler) { ports in
            let port = try #require(ports.plain)
            let contexts = [DICOMClient.ProposedContext(abstractSyntax: sop, transferSyntaxes: [NetworkUID.explicitVRLittleEndian])]
            let outcomes = try await SCUTests.client().withAssociation(host: "127.0.0.1", port: port, contexts: contexts) { association in
                var outcomes: [StoreOutcome] = []
                for uid in ["1.02.3", "../../etc/passwd", "1.2.3"] {
                    outcomes.append(try await association.store(
                        dataSet: ByteBuffer(bytes: [0x08, 0x00, 0x16, 0x00, 0x55, 0x49, 0x00, 0x00]), transferSyntaxUID: NetworkUID.explicitVRLittleEndian,
                        sopClassUID: sop, sopInstanceUID: uid))
                }
                return outcomes
            }
            #expect(outcomes.map(\.status) == [.invalidSOPInstance, .invalidSOPInstance, .success])
            #expect(outcomes[0].disposition == .permanent)
        }
        #expect(handler.all.map(\.request.sopInstanceUID) == ["1.2.3"])
    }
}
