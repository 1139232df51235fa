import Foundation

/// A throwaway CA, server and client certificate made with /usr/bin/openssl in a temp dir.
struct TestCertificates {
    let directory: URL
    var caCertificate: String { self.directory.appendingPathComponent("ca.pem").path }
    var serverCertificate: String { self.directory.appendingPathComponent("server.pem").path }
    var serverKey: String { self.directory.appendingPathComponent("server.key").path }
    var clientCertificate: String { self.directory.appendingPathComponent("client.pem").path }
    var clientKey: String { self.directory.appendingPathComponent("client.key").path }
    /// A second CA that signed nothing we use: for "wrong trust" tests.
    var otherCACertificate: String { self.directory.appendingPathComponent("other-ca.pem").path }

    static func make(in directory: URL) async throws -> TestCertificates {
        let certs = TestCertificates(directory: directory)
        let d = directory.path
        let openssl = "/usr/bin/openssl"
        func run(_ args: [String]) async throws {
            let out = try await ToolRunner.run(openssl, args)
            guard out.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["openssl": out.stderr]) }
        }
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: "\(d)/san.ext", atomically: true, encoding: .utf8)
        for ca in ["ca", "other-ca"] {
            try await run([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "\(d)/\(ca).key", "-out", "\(d)/\(ca).pem", "-days", "2", "-subj", "/CN=dicom-gw test \(ca)",
            ])
        }
        for leaf in ["server", "client"] {
            try await run([
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "\(d)/\(leaf).key", "-out", "\(d)/\(leaf).csr", "-subj", "/CN=\(leaf == "server" ? "localhost" : "TESTSCU")",
            ])
            try await run([
                "x509", "-req", "-in", "\(d)/\(leaf).csr", "-CA", "\(d)/ca.pem", "-CAkey", "\(d)/ca.key",
                "-CAcreateserial", "-out", "\(d)/\(leaf).pem", "-days", "2", "-extfile", "\(d)/san.ext",
            ])
        }
        return certs
    }
}
