import Foundation
import Testing

/// `make rpm`'s script builds the package (with the debug binary, uncompressed, to stay fast)
/// and the package holds every file with its mode, owner and config flags.
@Suite(
    "RPM package",
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: "/usr/bin/rpmbuild"),
        "rpmbuild is not installed (scripts/install-deps.sh installs Debian's rpm package)")
)
struct RPMPackageTests {
    struct Entry {
        var mode: String
        var owner: String
        var group: String
    }

    @Test("the package lists every file with its mode; config is noreplace; scriptlets create the user, layout and SELinux ports")
    func package() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("rpm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let built = try await Tool.run(
            PackageRoot.url.appendingPathComponent("scripts/build-rpm.sh").path,
            ["--prebuilt", PackageRoot.gatewayBinary, "--output", output.path, "--fast"], timeout: 120)
        #expect(built.status == 0, "\(built.stdout)\n\(built.stderr)")
        let package = try #require(built.stdout.split(separator: "\n").last.map(String.init))
        #expect(package.hasSuffix(".x86_64.rpm") || package.hasSuffix(".aarch64.rpm"))

        // rpm -qlvp: "-rw-r-----    1 root     dicom-gw    4550 Nov 29 09:07 /etc/dicom-gw/dicom-gw.yaml"
        let listing = try await Tool.run("/usr/bin/rpm", ["-qlvp", package])
        #expect(listing.status == 0, "\(listing.stderr)")
        var files: [String: Entry] = [:]
        for line in listing.stdout.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 9, let path = fields.last, path.hasPrefix("/") else { continue }
            files[String(path)] = Entry(mode: String(fields[0]), owner: String(fields[2]), group: String(fields[3]))
        }
        func expectFile(_ path: String, _ mode: String, _ owner: String = "root", _ group: String = "root",
                        sourceLocation: SourceLocation = #_sourceLocation) {
            guard let entry = files[path] else {
                Issue.record("\(path) is not in the package", sourceLocation: sourceLocation)
                return
            }
            #expect(entry.mode == mode, "\(path)", sourceLocation: sourceLocation)
            #expect("\(entry.owner):\(entry.group)" == "\(owner):\(group)", "\(path)", sourceLocation: sourceLocation)
        }

        expectFile("/usr/bin/dicom-gw", "-rwxr-xr-x")
        expectFile("/etc/dicom-gw", "drwxr-x---", "root", "dicom-gw")
        expectFile("/etc/dicom-gw/tls", "drwxr-x---", "dicom-gw", "dicom-gw")
        expectFile("/etc/dicom-gw/dicom-gw.yaml", "-rw-r-----", "root", "dicom-gw")
        expectFile("/etc/dicom-gw/dicom-gw.env", "-rw-r-----", "root", "dicom-gw")
        expectFile("/etc/logrotate.d/dicom-gw", "-rw-r--r--")
        for unit in ["dicom-gw.service", "dicom-gw-worker@.service", "dicom-gw-verify-storage.service",
                     "dicom-gw-verify-storage.timer", "dicom-gw-cleanup.service", "dicom-gw-cleanup.timer"] {
            expectFile("/usr/lib/systemd/system/\(unit)", "-rw-r--r--")
        }
        expectFile("/usr/lib/systemd/system-preset/85-dicom-gw.preset", "-rw-r--r--")
        for script in ["setup-storage-layout.sh", "verify-storage-layout.sh", "cleanup-storage.sh", "backup.sh", "restore.sh"] {
            expectFile("/usr/libexec/dicom-gw/\(script)", "-rwxr-xr-x")
        }
        let migrations = try FileManager.default.contentsOfDirectory(atPath: PackageRoot.url.appendingPathComponent("migrations").path)
            .filter { $0.hasSuffix(".sql") }
        #expect(migrations.contains("0008_reporting.sql"))
        for migration in migrations {
            expectFile("/usr/share/dicom-gw/migrations/\(migration)", "-rw-r--r--")
        }
        expectFile("/usr/share/dicom-gw/sql/reports.sql", "-rw-r--r--")
        expectFile("/usr/share/dicom-gw/sql/report-role.sql", "-rw-r--r--")
        expectFile("/usr/share/dicom-gw/selinux/dicom_gw.te", "-rw-r--r--")
        if FileManager.default.fileExists(atPath: "/usr/share/selinux/devel/Makefile") {
            expectFile("/usr/share/selinux/packages/dicom_gw.pp", "-rw-r--r--")
        }
        expectFile("/usr/share/doc/dicom-gw/README.md", "-rw-r--r--")
        for directory in ["", "/storage", "/storage/studies", "/incoming", "/queue", "/forwarded", "/failed", "/tmp"] {
            expectFile("/var/lib/dicom-gw\(directory)", "drwxr-x---", "dicom-gw", "dicom-gw")
        }
        expectFile("/var/log/dicom-gw", "drwxr-x---", "dicom-gw", "dicom-gw")

        // Configuration files are %config(noreplace): flags c (config) and n (noreplace).
        let flags = try await Tool.run("/usr/bin/rpm", ["-qp", "--qf", "[%{FILENAMES} %{FILEFLAGS:fflags}\\n]", package])
        let flagged = Dictionary(flags.stdout.split(separator: "\n").compactMap { line -> (String, String)? in
            let parts = line.split(separator: " ")
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }, uniquingKeysWith: { first, _ in first })
        for config in ["/etc/dicom-gw/dicom-gw.yaml", "/etc/dicom-gw/dicom-gw.env", "/etc/logrotate.d/dicom-gw"] {
            let value = flagged[config] ?? ""
            #expect(value.contains("c") && value.contains("n"), "\(config): \(value)")
        }

        // Scriptlets: %pre creates the user, %post the layout and the SELinux port labels.
        let scripts = try await Tool.run("/usr/bin/rpm", ["-qp", "--scripts", package])
        #expect(scripts.stdout.contains("useradd -r -g dicom-gw"))
        #expect(scripts.stdout.contains("/usr/libexec/dicom-gw/setup-storage-layout.sh --root /var/lib/dicom-gw"))
        #expect(scripts.stdout.contains("for port in 104 11112 2762"))
        #expect(scripts.stdout.contains("semanage port -a -t dicom_gw_port_t"))
        #expect(!scripts.stdout.contains("%systemd"), "an undefined systemd macro leaked into a scriptlet")
    }
}
