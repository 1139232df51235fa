import Foundation
@testable import Gateway
import Testing

@Suite("Configuration keys")
struct ConfigurationKeysTests {
    @Test("the scanner finds block-mapping keys with their lines, and skips what it cannot be sure of")
    func scanner() {
        let yaml = """
            # comment: not a key
            ---
            database:
              url: "postgresql:///db#x"   # a comment after a value
              'max_connections': 4
            dicom:
              allowed_calling_ae_titles: [CT1, "MR1@10.0.0.5"]
              port: 104
            forward:
              destinations:
                - "pacs=PACS@10.0.0.9:104"
                - name: inside: a list entry
                  host: not scanned
              routes: [
                "all to=pacs",
                "x: y"
              ]
              batch_size: 10
            log:
              file: |
                a block scalar
                level: not a key
              level: debug
            """
        let found = ConfigurationKeys.scan(yaml)
        #expect(found.map(\.key) == [
            "database", "database.url", "database.max_connections", "dicom", "dicom.allowed_calling_ae_titles",
            "dicom.port", "forward", "forward.destinations", "forward.routes", "forward.batch_size", "log", "log.file",
            "log.level",
        ])
        #expect(found.first { $0.key == "forward.batch_size" }?.line == 18)
        #expect(ConfigurationKeys.unknown(in: yaml).isEmpty)
    }

    @Test("a list at the indentation of its key, CRLF line ends and a byte-order mark")
    func listsAtTheKeysIndentation() {
        let yaml = "\u{FEFF}forward:\r\n  routes:\r\n  - a\r\n  - b\r\n  batch_size: 3\r\ntls:\r\n  port: 1\r\n"
        #expect(ConfigurationKeys.scan(yaml).map(\.key) == ["forward", "forward.routes", "forward.batch_size", "tls", "tls.port"])
    }

    @Test("unknown keys are named with their line and the key they most likely meant")
    func unknownKeys() {
        let yaml = """
            dicom:
              max_assocations: 8
              batch_size: 5
            tls:
              require_client_certificat: true
            forwarding:
              anything: 1
            dicom.port: 104
            dicom.prot: 104
            """
        let unknown = ConfigurationKeys.unknown(in: yaml)
        #expect(unknown == [
            .init(key: "dicom.max_assocations", line: 2, suggestion: "dicom.max_associations"),
            .init(key: "dicom.batch_size", line: 3, suggestion: "forward.batch_size"),
            .init(key: "tls.require_client_certificat", line: 5, suggestion: "tls.require_client_certificate"),
            .init(key: "forwarding", line: 6, suggestion: "forward"),
            .init(key: "dicom.prot", line: 9, suggestion: "dicom.port"),
        ])
    }

    @Test("a file with a misspelt key is refused, naming the key, the line and the likely key")
    func loadRefusesUnknownKeys() async throws {
        let file = try TemporaryYAML.write("dicom:\n  port: 104\ntls:\n  require_client_certificat: true\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            _ = try await GatewayConfiguration.load(file: file, environment: [:])
            Issue.record("a file with an unknown key loaded")
        } catch let error as ConfigurationError {
            #expect(error.key == "tls.require_client_certificat")
            #expect(error.description.contains("line 4"))
            #expect(error.description.contains("did you mean tls.require_client_certificate?"))
        }

        let two = try TemporaryYAML.write("dicom:\n  prot: 104\nlogging:\n  level: debug\n")
        defer { try? FileManager.default.removeItem(atPath: two) }
        await #expect(throws: ConfigurationError.self) { try await GatewayConfiguration.load(file: two, environment: [:]) }
        do {
            _ = try await GatewayConfiguration.load(file: two, environment: [:])
        } catch let error as ConfigurationError {
            #expect(error.key == "config")
            #expect(error.description.contains("dicom.prot (line 2; did you mean dicom.port?)"))
            #expect(error.description.hasSuffix("logging (line 3)"))
        }
    }

    @Test("every key the loader and `storage cleanup` read is a known key, and every known key is documented")
    func knownKeysFollowTheCode() throws {
        let root = AdminTestDatabase.packageRoot
        let loader = try String(contentsOf: root.appendingPathComponent(
            "Sources/Gateway/Configuration/GatewayConfiguration+Loading.swift"), encoding: .utf8)
        let cleanup = try String(contentsOf: root.appendingPathComponent("Sources/dicom-gw/StorageCommand.swift"), encoding: .utf8)
        let doc = try String(contentsOf: root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        var read = Set(try DocumentationTests.captures(loader, #"values\.[a-zA-Z]+\("([a-z_]+\.[a-z_]+)""#))
        read.formUnion(try DocumentationTests.captures(cleanup, #""(retention\.[a-z_]+)""#))
        #expect(read.count >= 40, "only \(read.count) keys found in the code")
        #expect(read.subtracting(ConfigurationKeys.known).isEmpty, "read but refused in files: \(read.subtracting(ConfigurationKeys.known).sorted())")
        #expect(ConfigurationKeys.known.subtracting(read).isEmpty, "known but never read: \(ConfigurationKeys.known.subtracting(read).sorted())")
        let undocumented = ConfigurationKeys.known.sorted().filter { !doc.contains("`\($0)`") }
        #expect(undocumented.isEmpty, "known keys missing from docs/configuration.md: \(undocumented)")
    }
}

@Suite("Configuration environment variables")
struct ConfigurationEnvironmentTests {
    @Test("a variable named like a key of a known section but not one is warned about, with the likely variable")
    func unknownVariables() {
        let warnings = GatewayConfiguration.environmentWarnings([
            "DICOM_GW_FORWARD_BATCHSIZE": "10",            // misspelt
            "DICOM_GW_FORWARD_BATCH_SIZE": "10",           // a key
            "DICOM_GW_TLS_REQUIRE_CLIENT_CERT": "true",    // shortened
            "DICOM_GW_LOG_DIR": "/var/log/dicom-gw",       // the storage scripts' own
            "DICOM_GW_CONFIG": "/etc/dicom-gw/dicom-gw.yaml", // not a section
            "DICOM_GW_TEST_DATABASE_URL": "postgresql:///t",  // not a section
            "PATH": "/usr/bin",
        ])
        #expect(warnings == [
            "environment variable DICOM_GW_FORWARD_BATCHSIZE is not a configuration setting and is ignored (did you mean DICOM_GW_FORWARD_BATCH_SIZE?)",
            "environment variable DICOM_GW_TLS_REQUIRE_CLIENT_CERT is not a configuration setting and is ignored (did you mean DICOM_GW_TLS_REQUIRE_CLIENT_CERTIFICATE?)",
        ])
    }

    @Test("every documented environment variable of a key is recognised")
    func documentedVariablesAreKnown() throws {
        let doc = try String(contentsOf: AdminTestDatabase.packageRoot.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        let names = Set(try DocumentationTests.captures(doc, #"`(DICOM_GW_[A-Z_]+)`"#))
        #expect(names.count >= 40)
        let warned = GatewayConfiguration.environmentWarnings(Dictionary(uniqueKeysWithValues: names.map { ($0, "x") }))
        #expect(warned.isEmpty, "\(warned)")
    }
}
