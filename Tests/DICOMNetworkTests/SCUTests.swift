import DICOMNetwork
import Foundation
import Logging
import NIOCore
import Testing

@Suite("SCU (requestor)")
struct SCUTests {
    static func client(called: String = "GATEWAY", tls: TLSSettings? = nil, maxPDU: UInt32 = 65536) -> DICOMClient {
        var logger = Logger(label: "test.scu")
        logger.logLevel = .warning
        return DICOMClient(
            configuration: .init(
                callingAETitle: "TESTSCU", calledAETitle: called, maxPDULength: maxPDU,
                timeouts: AssociationTimeouts(artim: .seconds(5), acse: .seconds(5), dimse: .seconds(10), idle: .seconds(10)),
                tls: tls),
            logger: logger)
    }

    static func contexts(for metas: [TestPart10]) -> [DICOMClient.ProposedContext] {
        var seen = Set<String>()
        var contexts: [DICOMClient.ProposedContext] = [.init(abstractSyntax: NetworkUID.verificationSOPClass, transferSyntaxes: [NetworkUID.implicitVRLittleEndian])]
        for meta in metas where seen.insert(meta.sopClassUID + "|" + meta.transferSyntax).inserted {
            contexts.append(.init(abstractSyntax: meta.sopClassUID, transferSyntaxes: [meta.transferSyntax]))
        }
        return contexts
    }

    @Test("echo and stores against our own SCP, data sets byte-identical")
    func againstOurSCP() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try Corpus.copy(["CT_small.dcm", "MR_small_implicit.dcm", "MR_small_expb.dcm", "JPEG2000.dcm"], into: dir)
        let metas = try files.map(TestPart10.init(url:))
        let handler = RecordingStoreHandler()
        try await TestServer.with(TestServer.configuration(maxPDULength: 8192), handler: handler) { ports in
            let port = try #require(ports.plain)
            let outcomes = try await Self.client().withAssociation(host: "127.0.0.1", port: port, contexts: Self.contexts(for: metas)) { association in
                #expect(try await association.echo() == .success)
                var outcomes: [StoreOutcome] = []
                for meta in metas {
                    outcomes.append(try await association.store(
                        fileAt: meta.url.path, dataSetOffset: Int64(meta.dataSetOffset), transferSyntaxUID: meta.transferSyntax,
                        sopClassUID: meta.sopClassUID, sopInstanceUID: meta.sopInstanceUID))
                }
                return outcomes
            }
            #expect(outcomes.allSatisfy { $0.disposition == .delivered })
        }
        let received = handler.all
        #expect(received.count == metas.count)
        for (meta, record) in zip(metas, received) {
            #expect(record.request.transferSyntaxUID == meta.transferSyntax)
            #expect(record.bytes == Array(try meta.dataSet), "\(meta.url.lastPathComponent)")
        }
    }

    @Test("the handler's status comes back classified")
    func statuses() async throws {
        let handler = RecordingStoreHandler { request in
            switch request.sopInstanceUID {
            case "1.1": .success
            case "1.2": StoreResult(status: .coercionOfDataElements)
            case "1.3": .failure(.outOfResources, "disk full")
            default: .failure(.cannotUnderstand, "garbage")
            }
        }
        let sop = "1.2.840.10008.5.1.4.1.1.7"
        try await TestServer.with(TestServer.configuration(), handler: handler) { ports in
            let port = try #require(ports.plain)
            let contexts = [DICOMClient.ProposedContext(abstractSyntax: sop, transferSyntaxes: [NetworkUID.explicitVRLittleEndian])]
            let outcomes = try await Self.client().withAssociation(host: "127.0.0.1", port: port, contexts: contexts) { association in
                var outcomes: [StoreOutcome] = []
                for uid in ["1.1", "1.2", "1.3", "1.4"] {
                    outcomes.append(try await association.store(
                        dataSet: ByteBuffer(bytes: [0x08, 0x00, 0x18, 0x00, 0x55, 0x49, 0x04, 0x00, 0x31, 0x2E, 0x31, 0x00]),
                        transferSyntaxUID: NetworkUID.explicitVRLittleEndian, sopClassUID: sop, sopInstanceUID: uid))
                }
                return outcomes
            }
            #expect(outcomes.map(\.disposition) == [.delivered, .deliveredWithWarning, .retryable, .permanent])
            #expect(outcomes[2].errorComment == "disk full")
        }
    }

    @Test("a context with another transfer syntax is never used")
    func transferSyntaxMismatch() async throws {
        let sop = "1.2.840.10008.5.1.4.1.1.7"
        try await TestServer.with(TestServer.configuration(), handler: RecordingStoreHandler()) { ports in
            let port = try #require(ports.plain)
            let contexts = [DICOMClient.ProposedContext(abstractSyntax: sop, transferSyntaxes: [NetworkUID.implicitVRLittleEndian])]
            await #expect {
                try await Self.client().withAssociation(host: "127.0.0.1", port: port, contexts: contexts) { association in
                    _ = try await association.store(
                        dataSet: ByteBuffer(bytes: [0, 0]), transferSyntaxUID: NetworkUID.explicitVRLittleEndian,
                        sopClassUID: sop, sopInstanceUID: "1.2")
                }
            } throws: { error in
                (error as? AssociationError)?.code == .noAcceptedContext
            }
        }
    }

    @Test("rejections are classified: called AE permanent, local limit transient")
    func rejections() async throws {
        let contexts = [DICOMClient.ProposedContext(abstractSyntax: NetworkUID.verificationSOPClass, transferSyntaxes: [NetworkUID.implicitVRLittleEndian])]
        try await TestServer.with(TestServer.configuration(maxAssociations: 1), handler: RecordingStoreHandler()) { ports in
            let port = try #require(ports.plain)
            do {
                try await Self.client(called: "NOBODY").withAssociation(host: "127.0.0.1", port: port, contexts: contexts) { _ in }
                Issue.record("expected a rejection")
            } catch let error as AssociationError {
                #expect(error.code == .rejected)
                #expect(error.reject == .calledAETitleNotRecognized)
                #expect(!error.isRetryable)
            }
            // The rejected connection holds the only slot until the server sees it close, so
            // taking the slot may need a few tries. Holding it, a second association is refused.
            var held = false
            for _ in 0..<100 where !held {
                do {
                    try await Self.client().withAssociation(host: "127.0.0.1", port: port, contexts: contexts) { _ in
                        held = true
                        do {
                            try await Self.client().withAssociation(host: "127.0.0.1", port: port, contexts: contexts) { _ in }
                            Issue.record("expected a rejection")
                        } catch let error as AssociationError {
                            #expect(error.reject == .localLimitExceeded)
                            #expect(error.isRetryable)
                        }
                    }
                } catch let error as AssociationError where !held && error.reject == .localLimitExceeded {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            #expect(held)
        }
    }

    @Test("against storescp: files received byte-identical in their data sets")
    func againstStorescp() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let files = try Corpus.copy(["CT_small.dcm", "MR_small_implicit.dcm", "waveform_ecg.dcm", "JPEG2000.dcm"], into: dir)
        let metas = try files.map(TestPart10.init(url:))
        let scp = try ExternalSCP(outputDirectory: out)
        defer { scp.stop() }
        try await scp.waitUntilListening()
        let outcomes = try await Self.client(called: "STORESCP", maxPDU: 16384).withAssociation(
            host: "127.0.0.1", port: scp.port, contexts: Self.contexts(for: metas)
        ) { association in
            #expect(try await association.echo() == .success)
            var outcomes: [StoreOutcome] = []
            for meta in metas {
                outcomes.append(try await association.store(
                    fileAt: meta.url.path, dataSetOffset: Int64(meta.dataSetOffset), transferSyntaxUID: meta.transferSyntax,
                    sopClassUID: meta.sopClassUID, sopInstanceUID: meta.sopInstanceUID))
            }
            return outcomes
        }
        #expect(outcomes.map(\.status) == Array(repeating: .success, count: metas.count))
        try await Self.expectReceived(metas, in: out)
    }

    /// storescp names files `<modality>.<sop instance uid>`; compare each data set byte for byte.
    static func expectReceived(_ metas: [TestPart10], in directory: URL) async throws {
        // storescp writes the file after answering; give it a moment.
        var names: [String] = []
        for _ in 0..<40 {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            if names.count >= metas.count { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        for meta in metas {
            let name = try #require(names.first { $0.hasSuffix(meta.sopInstanceUID) }, "\(meta.sopInstanceUID) in \(names)")
            let received = try TestPart10(url: directory.appendingPathComponent(name))
            #expect(received.transferSyntax == meta.transferSyntax)
            #expect(try received.dataSet == meta.dataSet, "\(meta.url.lastPathComponent)")
        }
    }
}
