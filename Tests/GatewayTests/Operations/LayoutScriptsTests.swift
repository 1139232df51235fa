import Foundation
import Testing

/// setup-storage-layout.sh and verify-storage-layout.sh against temporary roots.
@Suite("Storage layout scripts")
struct LayoutScriptsTests {
    struct Tree {
        let base: URL
        var root: String { base.appendingPathComponent("lib").path }
        var log: String { base.appendingPathComponent("log").path }
        var config: String { base.appendingPathComponent("etc").path }
        /// The owner the scripts set and check: root when we are root (CI), else a name that
        /// does not exist, which turns the ownership check off.
        var user: String { getuid() == 0 ? "root" : "no-such-user-dicom-gw" }

        var options: [String] { ["--root", root, "--log-dir", log, "--config-dir", config, "--user", user] }
    }

    static func script(_ name: String) -> String {
        PackageRoot.url.appendingPathComponent("scripts/\(name)").path
    }

    static func withTree(_ body: (Tree) async throws -> Void) async throws {
        let tree = Tree(base: FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID().uuidString)"))
        defer { try? FileManager.default.removeItem(at: tree.base) }
        let setup = try await Tool.run(script("setup-storage-layout.sh"), tree.options + ["--no-user"])
        #expect(setup.status == 0, "\(setup.stderr)")
        try await body(tree)
    }

    /// verify with disk thresholds out of reach, so the host's disk never decides the test.
    static func verify(_ tree: Tree, _ extra: [String] = ["--warn", "101", "--critical", "101"]) async throws -> Tool.Output {
        try await Tool.run(script("verify-storage-layout.sh"), tree.options + extra)
    }

    @Test("setup (twice) then verify passes, in text and JSON")
    func setupThenVerify() async throws {
        try await Self.withTree { tree in
            let again = try await Tool.run(Self.script("setup-storage-layout.sh"), tree.options + ["--no-user"])
            #expect(again.status == 0)
            #expect(!again.stdout.contains("created /"), "a second run creates nothing: \(again.stdout)")
            for directory in ["", "/storage", "/storage/studies", "/incoming", "/queue", "/forwarded", "/failed", "/tmp"] {
                let mode = try FileManager.default.attributesOfItem(atPath: tree.root + directory)[.posixPermissions] as? Int
                #expect(mode == 0o750, "\(directory)")
            }
            #expect(FileManager.default.fileExists(atPath: tree.root + "/LAYOUT.txt"))
            #expect(FileManager.default.fileExists(atPath: tree.config + "/tls"))
            let result = try await Self.verify(tree)
            #expect(result.status == 0, "\(result.stdout)")
            #expect(result.stdout.contains("storage layout OK"))
            let json = try await Self.verify(tree, ["--warn", "101", "--critical", "101", "--json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["ok"] as? Bool == true)
            #expect(object["errors"] as? Int == 0)
        }
    }

    @Test("a wrong mode, a missing directory, a bad file mode and a wrong owner each fail verify with their message")
    func plantedProblems() async throws {
        try await Self.withTree { tree in
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tree.root + "/forwarded")
            try FileManager.default.removeItem(atPath: tree.root + "/tmp")
            let series = tree.root + "/storage/studies/1.2.3/1.2.3.4"
            try FileManager.default.createDirectory(atPath: series, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            try FileManager.default.setAttributes([.posixPermissions: 0o750], ofItemAtPath: tree.root + "/storage/studies/1.2.3")
            try Data("x".utf8).write(to: URL(fileURLWithPath: series + "/1.2.3.4.5.dcm"))
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: series + "/1.2.3.4.5.dcm")
            if getuid() == 0 {
                _ = chown(tree.root + "/failed", 65534, 65534)
            }

            let result = try await Self.verify(tree)
            #expect(result.status == 1)
            #expect(result.stdout.contains("\(tree.root)/forwarded: mode is 755, expected 750"), "\(result.stdout)")
            #expect(result.stdout.contains("\(tree.root)/tmp: directory is missing"))
            #expect(result.stdout.contains("\(series)/1.2.3.4.5.dcm: file mode is 644, expected 640"))
            if getuid() == 0 {
                #expect(result.stdout.contains("\(tree.root)/failed: owner is"), "\(result.stdout)")
                #expect(result.stdout.contains("expected root:root"))
            }
            #expect(!result.stdout.contains("storage layout OK"))

            let json = try await Self.verify(tree, ["--warn", "101", "--critical", "101", "--json"])
            #expect(json.status == 1)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["ok"] as? Bool == false)
            let findings = try #require(object["findings"] as? [[String: Any]])
            #expect(findings.contains { $0["check"] as? String == "exists" && $0["path"] as? String == tree.root + "/tmp" })
            #expect(findings.contains { $0["check"] as? String == "permissions" && $0["path"] as? String == tree.root + "/forwarded" })

            // Setup mends the layout it owns (directories), then only the file mode remains.
            _ = try await Tool.run(Self.script("setup-storage-layout.sh"), tree.options + ["--no-user"])
            let mended = try await Self.verify(tree)
            #expect(mended.status == 1)
            #expect(!mended.stdout.contains("directory is missing"))
            #expect(mended.stdout.contains("file mode is 644"))
        }
    }

    @Test("disk use at the warning threshold warns (exit 0), at the critical one fails")
    func diskThresholds() async throws {
        try await Self.withTree { tree in
            let warned = try await Self.verify(tree, ["--warn", "0", "--critical", "101"])
            #expect(warned.status == 0, "\(warned.stdout)")
            #expect(warned.stdout.contains("warning disk"))
            let critical = try await Self.verify(tree, ["--warn", "0", "--critical", "0"])
            #expect(critical.status == 1)
            #expect(critical.stdout.contains("critical at 0%"))
        }
    }
}
