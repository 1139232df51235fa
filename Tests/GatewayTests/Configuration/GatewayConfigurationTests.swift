import Configuration
import Foundation
import Logging
@testable import Gateway
import Testing

@Suite("Gateway configuration")
struct GatewayConfigurationTests {
    @Test("defaults without file, environment or options")
    func defaults() async throws {
        let config = try await GatewayConfiguration.load(file: nil, environment: [:])
        #expect(config == GatewayConfiguration())
        #expect(config.dicom.port == 11112)
        #expect(config.storage.root == "/var/lib/dicom-gw")
        #expect(config.storage.duplicatePolicy == .keepFirst)
        #expect(!config.tls.isEnabled)
    }

    @Test("options override the environment, which overrides the file")
    func layering() async throws {
        let file = try TemporaryYAML.write(
            """
            database:
              url: postgresql://file/db
              max_connections: 3
            dicom:
              ae_title: FROM_FILE
              port: 104
              allowed_calling_ae_titles: [CT1, "MR1@10.0.0.5"]
              dimse_timeout: 2.5
            storage:
              root: /srv/dicom
              duplicate_policy: replace
            log:
              level: debug
            """
        )
        defer { try? FileManager.default.removeItem(atPath: file) }
        let config = try await GatewayConfiguration.load(
            file: file,
            overrides: ["dicom.port": 4242],
            environment: ["DICOM_GW_DICOM_AE_TITLE": "FROM_ENV", "DICOM_GW_DATABASE_MAX_CONNECTIONS": "5"]
        )
        #expect(config.database.url == "postgresql://file/db")
        #expect(config.database.maxConnections == 5)
        #expect(config.dicom.aeTitle == "FROM_ENV")
        #expect(config.dicom.port == 4242)
        #expect(config.dicom.allowedCallingAETitles == ["CT1", "MR1@10.0.0.5"])
        #expect(config.dicom.dimseTimeout == .milliseconds(2500))
        #expect(config.storage.root == "/srv/dicom")
        #expect(config.storage.duplicatePolicy == .replace)
        #expect(config.logLevel == .debug)
    }

    @Test("environment lists are separated by semicolons, since entries hold commas")
    func environmentLists() async throws {
        let config = try await GatewayConfiguration.load(
            file: nil,
            environment: [
                "DICOM_GW_DICOM_ALLOWED_CALLING_AE_TITLES": "CT1;MR1@10.0.0.5,10.0.0.6",
                "DICOM_GW_FORWARD_ROUTES": "name=r1 to=a,b modality=CT;name=r2 to=c",
                "DICOM_GW_LOG_FILE": "/var/log/dicom-gw/dicom-gw.log",
            ])
        #expect(config.dicom.allowedCallingAETitles == ["CT1", "MR1@10.0.0.5,10.0.0.6"])
        #expect(config.forward.routes == ["name=r1 to=a,b modality=CT", "name=r2 to=c"])
        #expect(config.logFile == "/var/log/dicom-gw/dicom-gw.log")
    }

    @Test(
        "invalid values name their key",
        arguments: [
            ("DICOM_GW_DICOM_PORT", "seventy", "dicom.port"),
            ("DICOM_GW_DICOM_PORT", "70000", "dicom.port"),
            ("DICOM_GW_DICOM_AE_TITLE", "MUCH_TOO_LONG_AE_TITLE", "dicom.ae_title"),
            ("DICOM_GW_STORAGE_DUPLICATE_POLICY", "overwrite", "storage.duplicate_policy"),
            ("DICOM_GW_LOG_LEVEL", "loud", "log.level"),
            ("DICOM_GW_TLS_CERTIFICATE_FILE", "/etc/cert.pem", "tls"),
            ("DICOM_GW_FORWARD_BATCH_LINGER", "-0.1", "forward.batch_linger"),
            ("DICOM_GW_FORWARD_BATCH_LINGER", "6", "forward.batch_linger"),
            ("DICOM_GW_FORWARD_POLL_INTERVAL", "0", "forward.poll_interval"),
        ]
    )
    func invalid(variable: String, value: String, key: String) async throws {
        let error = await #expect(throws: ConfigurationError.self) {
            try await GatewayConfiguration.load(file: nil, environment: [variable: value])
        }
        #expect(error?.key == key)
    }

    @Test("forward.batch_linger: seconds from 0 (claim at once) to 5, 50 ms by default")
    func batchLinger() async throws {
        #expect(try await GatewayConfiguration.load(file: nil, environment: [:]).forward.settings.batchLinger == .milliseconds(50))
        let off = try await GatewayConfiguration.load(file: nil, environment: ["DICOM_GW_FORWARD_BATCH_LINGER": "0"])
        #expect(off.forward.settings.batchLinger == .zero)
        let some = try await GatewayConfiguration.load(file: nil, environment: ["DICOM_GW_FORWARD_BATCH_LINGER": "0.2"])
        #expect(some.forward.settings.batchLinger == .milliseconds(200))
    }

    @Test("a named file that does not exist is an error")
    func missingFile() async throws {
        await #expect(throws: ConfigurationError.self) {
            try await GatewayConfiguration.load(file: "/nonexistent/dicom-gw.yaml", environment: [:])
        }
    }
}

@Suite("Example configuration file")
struct ExampleConfigurationTests {
    @Test("deploy/config/dicom-gw.yaml loads and states the defaults")
    func exampleMatchesDefaults() async throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("deploy/config/dicom-gw.yaml").path
        let config = try await GatewayConfiguration.load(file: path, environment: [:])
        // It writes both lists out (empty), so lines taken out of them later are taken out of
        // the database too; otherwise it states the defaults.
        #expect(config.forward.destinationsDeclared && config.forward.routesDeclared)
        var expected = GatewayConfiguration()
        expected.forward.destinationsDeclared = true
        expected.forward.routesDeclared = true
        #expect(config == expected)
    }
}
