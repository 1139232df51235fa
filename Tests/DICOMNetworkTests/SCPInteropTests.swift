import DICOMNetwork
import Foundation
import Testing

@Suite("SCP against DCMTK echoscu/storescu")
struct SCPInteropTests {
    @Test("C-ECHO from echoscu")
    func echo() async throws {
        let handler = RecordingStoreHandler()
        try await TestServer.with(TestServer.configuration(), handler: handler) { ports in
            let port = try #require(ports.plain)
            let out = try await ToolRunner.run("/usr/bin/echoscu", ["-aec", "GATEWAY", "127.0.0.1", "\(port)"])
            #expect(out.status == 0, "\(out.stderr)")
        }
    }

    @Test("wrong called AE title is rejected")
    func calledAERejected() async throws {
        try await TestServer.with(TestServer.configuration(), handler: RecordingStoreHandler()) { ports in
            let port = try #require(ports.plain)
            let out = try await ToolRunner.run("/usr/bin/echoscu", ["-aec", "SOMEONE", "127.0.0.1", "\(port)"])
            #expect(out.status != 0)
            #expect(out.stderr.contains("Called AE Title Not Recognized"), "\(out.stderr)")
        }
    }

    @Test("calling AE allow-list bound to an address")
    func callingAllowList() async throws {
        let configuration = TestServer.configuration(allowedCallers: [
            .init(aeTitle: "GOODSCU", addresses: ["127.0.0.1"]), .init(aeTitle: "REMOTE", addresses: ["10.0.0.9"]),
        ])
        try await TestServer.with(configuration, handler: RecordingStoreHandler()) { ports in
            let port = try #require(ports.plain)
            let good = try await ToolRunner.run("/usr/bin/echoscu", ["-aet", "GOODSCU", "-aec", "GATEWAY", "127.0.0.1", "\(port)"])
            #expect(good.status == 0, "\(good.stderr)")
            let remote = try await ToolRunner.run("/usr/bin/echoscu", ["-aet", "REMOTE", "-aec", "GATEWAY", "127.0.0.1", "\(port)"])
            #expect(remote.status != 0)
            #expect(remote.stderr.contains("Calling AE Title Not Recognized"), "\(remote.stderr)")
        }
    }

    /// storescu decodes and re-encodes every data set (even without a transfer syntax change),
    /// so its bytes are not the file's; each received data set is checked with dcmdump instead.
    /// Byte identity is tested in the other direction, our SCU against storescp +B.
    @Test("storescu: many files on one association, each data set intact", arguments: ["", "-xi", "-xe", "-xb"])
    func store(proposal: String) async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let names = ["CT_small.dcm", "MR_small_expb.dcm", "reportsi.dcm", "waveform_ecg.dcm", "test-SR.dcm", "SC_rgb_small_odd.dcm"]
        let files = try Corpus.copy(names, into: dir)
        let handler = RecordingStoreHandler()
        try await TestServer.with(TestServer.configuration(), handler: handler) { ports in
            let port = try #require(ports.plain)
            var args = ["-aec", "GATEWAY"]
            if !proposal.isEmpty { args.append(proposal) }
            args += ["127.0.0.1", "\(port)"] + files.map(\.path)
            let out = try await ToolRunner.run("/usr/bin/storescu", args)
            #expect(out.status == 0, "\(out.stderr)")
        }
        let received = handler.all
        #expect(received.count == names.count)
        #expect(Set(received.map(\.request.association.id)).count == 1, "all on one association")
        for file in files {
            let meta = try TestPart10(url: file)
            let record = try #require(received.first { $0.request.sopInstanceUID == meta.sopInstanceUID }, "\(meta) not in \(received.map(\.request.sopInstanceUID))")
            #expect(record.request.sopClassUID == meta.sopClassUID)
            #expect(record.request.association.callingAETitle == "STORESCU")
            try await DCMDump.expectIntact(record, sopInstanceUID: meta.sopInstanceUID, in: dir)
        }
    }

    @Test("storescu with -pdu 4096: small fragments reassembled")
    func smallPDU() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try Corpus.copy(["CT_small.dcm"], into: dir)
        let handler = RecordingStoreHandler()
        try await TestServer.with(TestServer.configuration(maxPDULength: 4096), handler: handler) { ports in
            let port = try #require(ports.plain)
            let out = try await ToolRunner.run("/usr/bin/storescu", ["-aec", "GATEWAY", "-pdu", "4096", "127.0.0.1", "\(port)"] + files.map(\.path))
            #expect(out.status == 0, "\(out.stderr)")
        }
        let meta = try TestPart10(url: files[0])
        let record = try #require(handler.all.first)
        #expect(record.fragments > 5)
        try await DCMDump.expectIntact(record, sopInstanceUID: meta.sopInstanceUID, in: dir)
    }

    @Test("the handler's failure status and comment reach storescu")
    func failureStatus() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try Corpus.copy(["CT_small.dcm"], into: dir)
        let handler = RecordingStoreHandler { _ in .failure(.outOfResources, "disk full") }
        try await TestServer.with(TestServer.configuration(), handler: handler) { ports in
            let port = try #require(ports.plain)
            let out = try await ToolRunner.run("/usr/bin/storescu", ["-v", "-aec", "GATEWAY", "127.0.0.1", "\(port)"] + files.map(\.path))
            #expect((out.stdout + out.stderr).contains("OutOfResources"), "\(out.stderr)")
        }
    }
}
