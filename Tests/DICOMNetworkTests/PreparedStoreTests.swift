import DICOMNetwork
import Foundation
import NIOCore
import Testing

@Suite("SCU: data sets read ahead (readAhead, store(prepared:))")
struct PreparedStoreTests {
    @Test("each object read while the previous one is answered arrives byte-identical")
    func readAhead() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try Corpus.copy(["CT_small.dcm", "MR_small_implicit.dcm", "MR_small_expb.dcm", "JPEG2000.dcm"], into: dir)
        let metas = try files.map(TestPart10.init(url:))
        var read: [DICOMFileSummary] = []
        for file in files { read.append(try await DICOMFileSummary.read(path: file.path)) }
        let summaries = read
        let handler = RecordingStoreHandler()
        try await TestServer.with(TestServer.configuration(maxPDULength: 8192), handler: handler) { ports in
            let port = try #require(ports.plain)
            let outcomes = try await SCUTests.client().withAssociation(
                host: "127.0.0.1", port: port, contexts: SCUTests.contexts(for: metas)
            ) { association in
                var outcomes: [StoreOutcome] = []
                var ahead: EventLoopFuture<PreparedDataSet?>? = association.readAhead(summaries[0])
                for (i, summary) in summaries.enumerated() {
                    let prepared = try #require(try await ahead?.get())
                    #expect(prepared.file == summary)
                    let next = i + 1 < summaries.count ? summaries[i + 1] : nil
                    ahead = next.map { association.readAhead($0) }
                    outcomes.append(try await association.store(prepared: prepared))
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

    @Test("a prepared object whose syntax was not accepted is converted from its file, as store(file:) does")
    func convertedWhenNotAccepted() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try Corpus.copy(["MR_small_expb.dcm"], into: dir)
        let meta = try TestPart10(url: files[0])
        let summary = try await DICOMFileSummary.read(path: files[0].path)
        let handler = RecordingStoreHandler()
        try await TestServer.with(TestServer.configuration(), handler: handler) { ports in
            let port = try #require(ports.plain)
            // Only Explicit VR Little Endian proposed: the big endian bytes read ahead cannot go as they are.
            let outcome = try await SCUTests.client().withAssociation(
                host: "127.0.0.1", port: port,
                contexts: [.init(abstractSyntax: meta.sopClassUID, transferSyntaxes: [NetworkUID.explicitVRLittleEndian])]
            ) { association in
                let prepared = try #require(try await association.readAhead(summary).get())
                #expect(prepared.bytes.readableBytes == (try meta.dataSet).count)
                return try await association.store(prepared: prepared)
            }
            #expect(outcome.disposition == .delivered)
        }
        #expect(handler.all.map(\.request.transferSyntaxUID) == [NetworkUID.explicitVRLittleEndian])
    }
}
