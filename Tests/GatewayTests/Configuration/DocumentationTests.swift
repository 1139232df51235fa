import Foundation
import Testing

/// The operator documentation keeps up with the code: every key of the example
/// configuration (and every key the loader reads) is described in docs/configuration.md,
/// and every document linked from the README's Documentation section exists.
@Suite("Documentation")
struct DocumentationTests {
    private static func read(_ relativePath: String) throws -> String {
        let url = PackageRoot.url.appendingPathComponent(relativePath)
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// The dotted keys of a two-level YAML file such as deploy/config/dicom-gw.yaml:
    /// `section.key` for each key under a top-level section, including keys shown
    /// commented out (`  # key: value`), which document optional settings.
    static func configurationKeys(inYAML text: String) -> [String] {
        var keys: [String] = []
        var section: String?
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            if let name = Self.match(line, #"^([a-z][a-z0-9_]*):\s*$"#) {
                section = name
                continue
            }
            guard let section else { continue }
            if let name = Self.match(line, #"^\s+([a-z][a-z0-9_]*):(\s.*)?$"#)
                ?? Self.match(line, #"^\s+#\s([a-z][a-z0-9_]*):\s\S.*$"#)
            {
                keys.append("\(section).\(name)")
            }
        }
        return keys
    }

    /// The first capture group of `pattern` in `line`, or nil.
    private static func match(_ line: String, _ pattern: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
            let found = regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
            found.numberOfRanges > 1,
            let range = Range(found.range(at: 1), in: line)
        else { return nil }
        return String(line[range])
    }

    /// Every capture of the first group of `pattern` in `text`.
    static func captures(_ text: String, _ pattern: String) throws -> [String] {
        let regex = try NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { found in
            Range(found.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    @Test("the key extractor finds plain and commented keys under their section")
    func extractorOnASample() {
        let sample = """
            # A comment: not a key
            database:
              # libpq URL
              url: postgresql:///dicom_gw
            tls:
              port: 2762
              # certificate_file: /etc/dicom-gw/tls/server.crt
              # Seconds: not a key (capitalised prose)
            """
        #expect(Self.configurationKeys(inYAML: sample) == ["database.url", "tls.port", "tls.certificate_file"])
    }

    @Test("every key of deploy/config/dicom-gw.yaml is documented in docs/configuration.md")
    func everyExampleKeyIsDocumented() throws {
        let yaml = try Self.read("deploy/config/dicom-gw.yaml")
        let doc = try Self.read("docs/configuration.md")
        let keys = Self.configurationKeys(inYAML: yaml)
        // The example file has a few dozen keys; finding few means the extractor broke.
        #expect(keys.count >= 30, "only \(keys.count) keys found in the example configuration")
        let missing = keys.filter { !doc.contains("`\($0)`") }
        #expect(missing.isEmpty, "keys of dicom-gw.yaml missing from docs/configuration.md: \(missing)")
    }

    @Test("every key the configuration loader reads is documented in docs/configuration.md")
    func everyLoadedKeyIsDocumented() throws {
        let loader = try Self.read("Sources/Gateway/Configuration/GatewayConfiguration+Loading.swift")
        let doc = try Self.read("docs/configuration.md")
        let keys = Set(try Self.captures(loader, #"values\.[a-zA-Z]+\("([a-z_]+\.[a-z_]+)""#))
        #expect(keys.count >= 30, "only \(keys.count) keys found in the loader")
        let missing = keys.sorted().filter { !doc.contains("`\($0)`") }
        #expect(missing.isEmpty, "keys read by the loader missing from docs/configuration.md: \(missing)")
    }

    @Test("every file linked from the README's Documentation section exists")
    func readmeLinksExist() throws {
        let readme = try Self.read("README.md")
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex(of: "## Documentation"), "README.md has no '## Documentation' section")
        let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("## ") } ?? lines.endIndex
        let section = lines[(start + 1)..<end].joined(separator: "\n")
        let targets = try Self.captures(section, #"\]\(([^)#\s]+)(?:#[^)]*)?\)"#)
            .filter { !$0.contains("://") && !$0.hasPrefix("mailto:") }
        #expect(targets.count >= 8, "the Documentation section links only \(targets.count) files")
        for target in targets {
            let path = PackageRoot.url.appendingPathComponent(target).path
            #expect(FileManager.default.fileExists(atPath: path), "README links \(target), which does not exist")
        }
    }
}
