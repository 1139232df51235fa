import DICOMNetwork
import Foundation
import Gateway
import Testing

@Suite("Version and logging options")
struct LoggingAndVersionTests {
    @Test("dicom-gw --version prints the version the RPM spec carries")
    func versionMatchesSpec() async throws {
        let spec = try String(contentsOfFile: PackageRoot.url.appendingPathComponent("deploy/rpm/dicom-gw.spec").path, encoding: .utf8)
        #expect(spec.contains("version_override:\(GatewayVersion.string)}"), "spec and GatewayVersion disagree")
        let binary = PackageRoot.gatewayBinary
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build dicom-gw first: \(binary)")
        let output = try await Tool.run(binary, ["--version"])
        #expect(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == GatewayVersion.string)
    }

    @Test("log.file: lines are appended to the file, not standard error")
    func logFile() async throws {
        let directory = try GatewayHarness.temporaryDirectory("gw-logfile")
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("gw.log").path
        try "earlier line\n".write(toFile: log, atomically: false, encoding: .utf8)
        // A command that reads the configuration and logs, then fails: migrate against a
        // database that is not there.
        let output = try await Tool.run(
            PackageRoot.gatewayBinary,
            ["migrate", "--database-url", "postgresql://nobody@/none?host=/nonexistent&connect_timeout=1", "--log-file", log, "--log-level", "debug"])
        #expect(output.status != 0)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.hasPrefix("earlier line\n"), "the file was truncated")
        #expect(text.split(separator: "\n").count > 1, "nothing logged to the file; stderr: \(output.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: log)[.posixPermissions] as? Int
        #expect(mode != nil)
    }

    @Test("log.file that cannot be opened: a clear error, non-zero exit")
    func unopenableLogFile() async throws {
        let output = try await Tool.run(PackageRoot.gatewayBinary, ["migrate", "--log-file", "/nonexistent-dir/x.log", "--database-url", "postgresql:///none"])
        #expect(output.status != 0)
        #expect(output.stderr.contains("cannot open log file /nonexistent-dir/x.log"), "\(output.stderr)")
    }
}

@Suite("Admin HTTPS settings")
struct AdminHTTPSSettingsTests {
    @Test("half an admin TLS pair is refused; secure_cookies is read")
    func adminTLSPair() async throws {
        await #expect(throws: ConfigurationError.self) {
            _ = try await GatewayConfiguration.load(file: nil, environment: ["DICOM_GW_ADMIN_TLS_CERTIFICATE_FILE": "/etc/x.crt"])
        }
        let config = try await GatewayConfiguration.load(file: nil, environment: ["DICOM_GW_ADMIN_SECURE_COOKIES": "true"])
        #expect(config.admin.secureCookies == true)
        #expect(try AdminServer.Configuration(config.admin).secureCookies == true)
    }

    @Test("TLS-only DICOM: plain_enabled false needs the TLS listener; ca_file alone is refused")
    func tlsOnly() async throws {
        await #expect(throws: ConfigurationError.self) {
            _ = try await GatewayConfiguration.load(file: nil, environment: ["DICOM_GW_DICOM_PLAIN_ENABLED": "false"])
        }
        await #expect(throws: ConfigurationError.self) {
            _ = try await GatewayConfiguration.load(file: nil, environment: ["DICOM_GW_TLS_CA_FILE": "/etc/ca.crt"])
        }
        let config = try await GatewayConfiguration.load(file: nil, environment: [
            "DICOM_GW_DICOM_PLAIN_ENABLED": "false", "DICOM_GW_TLS_CERTIFICATE_FILE": "/etc/s.crt", "DICOM_GW_TLS_KEY_FILE": "/etc/s.key",
        ])
        #expect(config.dicomServerConfiguration.port == nil)
        #expect(config.dicomServerConfiguration.tlsPort == 2762)
    }
}
