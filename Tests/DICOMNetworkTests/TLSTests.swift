import DICOMNetwork
import Foundation
import Testing

@Suite("TLS and mutual TLS")
struct TLSTests {
    @Test("echoscu and storescu over mutual TLS; a client without certificate is refused")
    func dcmtkAgainstOurTLSListener() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let certs = try await TestCertificates.make(in: dir)
        let files = try Corpus.copy(["CT_small.dcm", "MR_small.dcm"], into: dir)
        let handler = RecordingStoreHandler()
        let tls = TLSSettings(
            certificateChainPath: certs.serverCertificate, privateKeyPath: certs.serverKey,
            trustRootsPath: certs.caCertificate, requireClientCertificate: true)
        try await TestServer.with(TestServer.configuration(tls: tls), handler: handler) { ports in
            let port = try #require(ports.tls)
            let tlsArgs = ["+tls", certs.clientKey, certs.clientCertificate, "+cf", certs.caCertificate]
            let echo = try await ToolRunner.run("/usr/bin/echoscu", tlsArgs + ["-aec", "GATEWAY", "127.0.0.1", "\(port)"])
            #expect(echo.status == 0, "\(echo.stderr)")
            let store = try await ToolRunner.run("/usr/bin/storescu", tlsArgs + ["-aec", "GATEWAY", "127.0.0.1", "\(port)"] + files.map(\.path))
            #expect(store.status == 0, "\(store.stderr)")
            let anonymous = try await ToolRunner.run("/usr/bin/echoscu", ["+tla", "+cf", certs.caCertificate, "-aec", "GATEWAY", "127.0.0.1", "\(port)"])
            #expect(anonymous.status != 0, "a client without certificate must be refused")
            // The plain listener runs beside the TLS one.
            let plain = try await ToolRunner.run("/usr/bin/echoscu", ["-aec", "GATEWAY", "127.0.0.1", "\(try #require(ports.plain))"])
            #expect(plain.status == 0, "\(plain.stderr)")
        }
        #expect(handler.all.count == 2)
        #expect(handler.all.allSatisfy { $0.request.association.isTLS })
    }

    @Test("a TLS client on the plain port and plain DICOM on the TLS port are logged as such")
    func protocolMismatch() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let certs = try await TestCertificates.make(in: dir)
        let capture = LogCapture()
        let tls = TLSSettings(certificateChainPath: certs.serverCertificate, privateKeyPath: certs.serverKey)
        try await TestServer.with(TestServer.configuration(tls: tls), handler: RecordingStoreHandler(), logger: capture.logger()) { ports in
            let plain = try #require(ports.plain)
            let tlsPort = try #require(ports.tls)
            let tlsOnPlain = try await ToolRunner.run("/usr/bin/echoscu", ["+tla", "-ic", "-aec", "GATEWAY", "127.0.0.1", "\(plain)"])
            #expect(tlsOnPlain.status != 0)
            let plainOnTLS = try await ToolRunner.run("/usr/bin/echoscu", ["-aec", "GATEWAY", "127.0.0.1", "\(tlsPort)"])
            #expect(plainOnTLS.status != 0)
            // Both listeners still serve.
            let ok = try await ToolRunner.run("/usr/bin/echoscu", ["-aec", "GATEWAY", "127.0.0.1", "\(plain)"])
            #expect(ok.status == 0)
            let okTLS = try await ToolRunner.run("/usr/bin/echoscu", ["+tla", "-ic", "-aec", "GATEWAY", "127.0.0.1", "\(tlsPort)"])
            #expect(okTLS.status == 0, "\(okTLS.stderr)")
        }
        #expect(capture.contains("TLS ClientHello received on a plain DICOM port"), "\(capture.all)")
        #expect(capture.contains("plain (non-TLS) DICOM A-ASSOCIATE-RQ received on the TLS port"), "\(capture.all)")
    }

    @Test("our SCU over mutual TLS to storescp; a wrong CA fails as a TLS error")
    func ourSCUAgainstStorescpTLS() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let certs = try await TestCertificates.make(in: dir)
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let files = try Corpus.copy(["CT_small.dcm"], into: dir)
        let metas = try files.map(TestPart10.init(url:))
        let scp = try ExternalSCP(outputDirectory: out, extraArguments: ["+tls", certs.serverKey, certs.serverCertificate, "+cf", certs.caCertificate])
        defer { scp.stop() }
        try await scp.waitUntilListening()
        let tls = TLSSettings(certificateChainPath: certs.clientCertificate, privateKeyPath: certs.clientKey, trustRootsPath: certs.caCertificate)
        let outcome = try await SCUTests.client(called: "STORESCP", tls: tls).withAssociation(
            host: "127.0.0.1", port: scp.port, contexts: SCUTests.contexts(for: metas)
        ) { association in
            try await association.store(
                fileAt: metas[0].url.path, dataSetOffset: Int64(metas[0].dataSetOffset), transferSyntaxUID: metas[0].transferSyntax,
                sopClassUID: metas[0].sopClassUID, sopInstanceUID: metas[0].sopInstanceUID)
        }
        #expect(outcome.status == .success)
        try await SCUTests.expectReceived(metas, in: out)

        let wrongTrust = TLSSettings(certificateChainPath: certs.clientCertificate, privateKeyPath: certs.clientKey, trustRootsPath: certs.otherCACertificate)
        await #expect {
            try await SCUTests.client(called: "STORESCP", tls: wrongTrust).withAssociation(
                host: "127.0.0.1", port: scp.port, contexts: SCUTests.contexts(for: metas)) { _ in }
        } throws: { error in
            (error as? AssociationError)?.code == .tlsFailed
        }
    }
}
