import Foundation
import Gateway
import PostgresClient
import Testing
import TestSupport

/// Forwarding over DICOM-TLS to storescp: host name verification on and off, against a
/// certificate that names another host and one that names the address connected to.
@Suite("Forwarding over TLS: host name verification", .requiresDatabase, .serialized)
struct ForwardTLSHostnameTests {
    /// A throwaway CA and two server certificates it signed, made with /usr/bin/openssl:
    /// `wrong` names only `pacs.example.org`, `right` names `localhost` and `IP:127.0.0.1`.
    struct Certificates {
        let directory: URL
        var ca: String { directory.appendingPathComponent("ca.pem").path }
        func certificate(_ leaf: String) -> String { directory.appendingPathComponent("\(leaf).pem").path }
        func key(_ leaf: String) -> String { directory.appendingPathComponent("\(leaf).key").path }

        static func make(in directory: URL) async throws -> Certificates {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let certs = Certificates(directory: directory)
            let d = directory.path
            let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            try await ChildProcess.checked(
                "/usr/bin/openssl", ["req", "-x509"] + ec + ["-keyout", "\(d)/ca.key", "-out", certs.ca, "-days", "2", "-subj", "/CN=dicom-gw test CA"])
            for (leaf, names) in [("wrong", "DNS:pacs.example.org"), ("right", "IP:127.0.0.1,DNS:localhost")] {
                try "subjectAltName=\(names)\n".write(toFile: "\(d)/\(leaf).ext", atomically: true, encoding: .utf8)
                try await ChildProcess.checked(
                    "/usr/bin/openssl", ["req"] + ec + ["-keyout", certs.key(leaf), "-out", "\(d)/\(leaf).csr", "-subj", "/CN=pacs.example.org"])
                try await ChildProcess.checked(
                    "/usr/bin/openssl",
                    ["x509", "-req", "-in", "\(d)/\(leaf).csr", "-CA", certs.ca, "-CAkey", "\(d)/ca.key", "-CAcreateserial",
                     "-out", certs.certificate(leaf), "-days", "2", "-extfile", "\(d)/\(leaf).ext"])
            }
            return certs
        }
    }

    @Test("a certificate naming another host fails the handshake with verification on and is accepted with it off; a matching IP SAN passes")
    func hostnameVerification() async throws {
        try await ForwardHarness.run { gw in
            let certs = try await Certificates.make(in: gw.root.appendingPathComponent("certs"))
            // No client certificate: storescp checks none (-ic), the gateway checks the server's.
            let wrongPeer = try StoreSCPPeer(directory: gw.root.appendingPathComponent("peer-wrong"))
            try await wrongPeer.start(extra: ["+tls", certs.key("wrong"), certs.certificate("wrong"), "-ic"])
            let rightPeer = try StoreSCPPeer(directory: gw.root.appendingPathComponent("peer-right"))
            try await rightPeer.start(extra: ["+tls", certs.key("right"), certs.certificate("right"), "-ic"])
            func tls(verify: Bool) -> (inout Destination) -> Void {
                { d in
                    d.tlsEnabled = true
                    d.tlsCAFile = certs.ca
                    d.tlsVerifyHostname = verify
                    d.breakerPause = 30  // one failed handshake is enough; no retry storm meanwhile
                }
            }
            try await gw.addDestination("strict-wrong", port: wrongPeer.port, configure: tls(verify: true))
            try await gw.addDestination("lax-wrong", port: wrongPeer.port, configure: tls(verify: false))
            try await gw.addDestination("strict-right", port: rightPeer.port, configure: tls(verify: true))
            try await gw.addRoute("all", to: ["strict-wrong", "lax-wrong", "strict-right"])
            let (_, files) = try await gw.makeStudy(count: 1)
            try await gw.send(files)

            let settled = try await gw.eventually {
                let delivered = try await gw.count("""
                    SELECT count(*) FROM dicom_gw.deliveries d JOIN dicom_gw.destinations de ON de.id = d.destination_id
                     WHERE d.state = 'delivered' AND de.name IN ('lax-wrong', 'strict-right')
                    """)
                let failures = try await gw.count("SELECT connection_failures FROM dicom_gw.destinations WHERE name = 'strict-wrong'")
                return delivered == 2 && failures >= 1
            }
            #expect(settled)
            let strict = try await gw.pool.query(
                "SELECT coalesce(last_error, '') AS e, last_connected_at IS NULL AS never FROM dicom_gw.destinations WHERE name = 'strict-wrong'")
            let lastError = try strict.first?.decode(String.self, column: "e") ?? ""
            #expect(lastError.localizedCaseInsensitiveContains("TLS"), "the failed handshake is recorded on the destination: \(lastError)")
            #expect(lastError.localizedCaseInsensitiveContains("hostname") || lastError.localizedCaseInsensitiveContains("host name"),
                    "the error names the host name check: \(lastError)")
            #expect(try strict.first?.decode(Bool.self, column: "never") == true, "no association was ever established")
            #expect(try await gw.count("""
                SELECT count(*) FROM dicom_gw.deliveries d JOIN dicom_gw.destinations de ON de.id = d.destination_id
                 WHERE de.name = 'strict-wrong' AND d.state = 'delivered'
                """) == 0)
            // The same peer received the object once: from the destination without the check.
            #expect(wrongPeer.files.count == 1)
            #expect(rightPeer.files.count == 1)
        }
    }

    @Test("dicom-gw echo over TLS checks the peer's host name unless --tls-no-verify-hostname")
    func cliEchoVerifiesHostname() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tls-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let certs = try await Certificates.make(in: root.appendingPathComponent("certs"))
        let wrongPeer = try StoreSCPPeer(directory: root.appendingPathComponent("peer-wrong"))
        try await wrongPeer.start(extra: ["+tls", certs.key("wrong"), certs.certificate("wrong"), "-ic"])
        let rightPeer = try StoreSCPPeer(directory: root.appendingPathComponent("peer-right"))
        try await rightPeer.start(extra: ["+tls", certs.key("right"), certs.certificate("right"), "-ic"])
        func echo(_ port: Int, _ extra: [String] = []) async throws -> (status: Int32, output: String) {
            try await ChildProcess.run(
                TestPaths.gatewayBinary,
                ["echo", "127.0.0.1", "\(port)", "--called-ae", "STORESCP", "--tls-ca", certs.ca] + extra, timeout: .seconds(30))
        }
        let refused = try await echo(wrongPeer.port)
        #expect(refused.status != 0, "a certificate naming pacs.example.org accepted for 127.0.0.1: \(refused.output)")
        #expect(refused.output.localizedCaseInsensitiveContains("hostname") || refused.output.localizedCaseInsensitiveContains("host name"),
                "\(refused.output)")
        let lax = try await echo(wrongPeer.port, ["--tls-no-verify-hostname"])
        #expect(lax.status == 0, "\(lax.output)")
        let matching = try await echo(rightPeer.port)
        #expect(matching.status == 0, "\(matching.output)")
    }
}
