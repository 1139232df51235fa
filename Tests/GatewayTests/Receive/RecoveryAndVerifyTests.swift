import DICOM
import Foundation
import Storage
import Testing
import TestSupport

/// Start-up recovery of files without rows, and `storage verify [--repair]` against planted drift.
@Suite("Storage: recovery and verify", .requiresDatabase)
struct RecoveryAndVerifyTests {
    /// Sends `count` generated instances through storescu and returns them.
    static func receive(_ count: Int, gateway: GatewayHarness, into directory: URL) async throws -> [InstanceFactory.Made] {
        let made = try InstanceFactory.write(count: count, into: directory, pixelBytes: 1024)
        let output = try await Tool.storescu(port: gateway.port, files: made.map(\.url.path))
        try #require(Tool.acknowledged(in: output.stderr).count == count, "\(output.stderr)")
        return made
    }

    static func nanosecondsNow() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }

    @Test("files without rows are indexed, unreadable ones quarantined, a resend leaves one file and one row")
    func orphans() async throws {
        let directory = try GatewayHarness.temporaryDirectory("gw-orphans")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await GatewayHarness.with { gateway in
            _ = try await Self.receive(3, gateway: gateway, into: directory.appendingPathComponent("sent"))
            // The crash window: a complete file placed in the tree whose transaction never committed.
            let orphan = try InstanceFactory.write(count: 1, into: directory.appendingPathComponent("orphan"), pixelBytes: 4096)[0]
            let orphanPath = "storage/studies/\(orphan.study)/\(orphan.series)/\(orphan.sop).dcm"
            try FileManager.default.createDirectory(
                atPath: gateway.layout.absolute("storage/studies/\(orphan.study)/\(orphan.series)"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: orphan.url.path, toPath: gateway.layout.absolute(orphanPath))
            // And one that cannot be read back.
            let garbage = "storage/studies/1.2.3/1.2.3.4/1.2.3.4.5.dcm"
            try FileManager.default.createDirectory(atPath: gateway.layout.absolute("storage/studies/1.2.3/1.2.3.4"), withIntermediateDirectories: true)
            try Data(repeating: 0x41, count: 300).write(to: URL(fileURLWithPath: gateway.layout.absolute(garbage)))

            let summary = try await StartupRecovery.indexOrphans(
                in: gateway.layout, io: BlockingIO(), pool: gateway.pool, modifiedBefore: Self.nanosecondsNow() + 1_000_000_000)
            #expect(summary.indexed == 1)
            #expect(summary.quarantined == 1)
            #expect(summary.scanned == 5)

            var state = try await TreeState.read(gateway.layout, pool: gateway.pool)
            #expect(state.agrees)
            #expect(state.rows.count == 4)
            let row = try #require(state.rows[orphan.sop])
            #expect(row.path == orphanPath)
            #expect(row.sha256 == (try InstanceFileInspector.inspect(orphan.url.path, full: true)).sha256)
            #expect(FileManager.default.fileExists(atPath: gateway.layout.absolute("failed/quarantine/\(garbage)")))
            #expect(try await TreeState.auditCount(gateway.pool, action: "storage.indexed", actorType: "system") == 1)
            #expect(try await TreeState.auditCount(gateway.pool, action: "storage.quarantined", actorType: "system") == 1)

            // The sender, never having seen 0000, sends it again.
            let output = try await Tool.storescu(port: gateway.port, files: [orphan.url.path])
            #expect(Tool.acknowledged(in: output.stderr).count == 1)
            state = try await TreeState.read(gateway.layout, pool: gateway.pool)
            #expect(state.agrees)
            #expect(state.files.count == 4)
            #expect(state.rows.count == 4)

            // A second pass finds nothing more to do.
            let again = try await StartupRecovery.indexOrphans(
                in: gateway.layout, io: BlockingIO(), pool: gateway.pool, modifiedBefore: Self.nanosecondsNow())
            #expect(again.indexed + again.quarantined + again.relinked == 0)
        }
    }

    @Test("a resend that arrives before recovery reaches the orphan also leaves one file and one row")
    func resendBeforeRecovery() async throws {
        let directory = try GatewayHarness.temporaryDirectory("gw-resend")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await GatewayHarness.with { gateway in
            let orphan = try InstanceFactory.write(count: 1, into: directory, pixelBytes: 1024)[0]
            let path = "storage/studies/\(orphan.study)/\(orphan.series)/\(orphan.sop).dcm"
            try FileManager.default.createDirectory(
                atPath: gateway.layout.absolute("storage/studies/\(orphan.study)/\(orphan.series)"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: orphan.url.path, toPath: gateway.layout.absolute(path))
            let output = try await Tool.storescu(port: gateway.port, files: [orphan.url.path])
            #expect(Tool.acknowledged(in: output.stderr).count == 1)
            let summary = try await StartupRecovery.indexOrphans(
                in: gateway.layout, io: BlockingIO(), pool: gateway.pool, modifiedBefore: Self.nanosecondsNow() + 1_000_000_000)
            #expect(summary.indexed == 0)
            let state = try await TreeState.read(gateway.layout, pool: gateway.pool)
            #expect(state.agrees)
            #expect(state.files.count == 1)
            #expect(state.rows.count == 1)
        }
    }

    @Test("storage verify finds each kind of planted drift, --repair mends it, the CLI exits non-zero until then")
    func verifyAndRepair() async throws {
        let directory = try GatewayHarness.temporaryDirectory("gw-verify")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await GatewayHarness.with { gateway in
            let made = try await Self.receive(6, gateway: gateway, into: directory.appendingPathComponent("sent"))
            let layout = gateway.layout
            func path(_ m: InstanceFactory.Made) -> String { "storage/studies/\(m.study)/\(m.series)/\(m.sop).dcm" }
            let fm = FileManager.default

            // 1. A row without its file.
            try fm.removeItem(atPath: layout.absolute(path(made[0])))
            // 2. A checksum mismatch: one pixel byte flipped (same size).
            let flipped = layout.absolute(path(made[1]))
            var bytes = try Data(contentsOf: URL(fileURLWithPath: flipped))
            bytes[bytes.count - 10] ^= 0xFF
            try bytes.write(to: URL(fileURLWithPath: flipped))
            try fm.setAttributes([.posixPermissions: 0o640], ofItemAtPath: flipped)
            // 3. A size mismatch: a trailing padding element appended.
            let grown = layout.absolute(path(made[2]))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: grown))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data([0xFC, 0xFF, 0xFC, 0xFF, 0x4F, 0x42, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]))
            try handle.close()
            // 4. Wrong permissions on a file and a directory.
            try fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: layout.absolute(path(made[3])))
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: layout.absolute("storage/studies/\(made[3].study)"))
            // 5. A file without a row.
            let orphan = try InstanceFactory.write(count: 1, into: directory.appendingPathComponent("orphan"), study: made[0].study, series: made[0].series)[0]
            try fm.copyItem(atPath: orphan.url.path, toPath: layout.absolute(path(orphan)))
            try fm.setAttributes([.posixPermissions: 0o640], ofItemAtPath: layout.absolute(path(orphan)))
            // 6. A stray in incoming/ from long ago.
            let stray = layout.absolute("incoming/0badf00d.part")
            try Data(repeating: 1, count: 10).write(to: URL(fileURLWithPath: stray))
            try fm.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200), .posixPermissions: 0o640], ofItemAtPath: stray)
            // 7. Something that is not an instance file where only instances belong.
            let note = layout.absolute("storage/studies/\(made[4].study)/notes.txt")
            try Data("x".utf8).write(to: URL(fileURLWithPath: note))
            try fm.setAttributes([.posixPermissions: 0o640], ofItemAtPath: note)

            let binary = PackageRoot.gatewayBinary
            let hasBinary = fm.isExecutableFile(atPath: binary)
            if hasBinary {
                let cli = try await Tool.run(binary, ["storage", "verify", "--checksums", "--json", "--database-url", gateway.databaseURL, "--storage-root", layout.root])
                #expect(cli.status == 1, "\(cli.stderr)")
                #expect(cli.stdout.contains("\"row_without_file\""))
            }

            let found = try await StorageVerifier(configuration: .init(checksums: true), layout: layout, pool: gateway.pool).run()
            let kinds = Dictionary(grouping: found.drifts, by: \.kind)
            #expect(kinds[.rowWithoutFile]?.map(\.sopInstanceUID) == [made[0].sop])
            #expect(kinds[.checksumMismatch]?.map(\.sopInstanceUID) == [made[1].sop])
            #expect(kinds[.sizeMismatch]?.map(\.sopInstanceUID) == [made[2].sop])
            #expect(kinds[.wrongPermissions]?.count == 2)
            #expect(kinds[.fileWithoutRow]?.map(\.path) == [path(orphan)])
            #expect(kinds[.strayIncoming]?.count == 1)
            #expect(kinds[.unexpectedEntry]?.count == 1)
            #expect(found.remaining == found.drifts.count)
            // Without --checksums the flipped byte goes unnoticed, the rest does not.
            let quick = try await StorageVerifier(configuration: .init(checksums: false), layout: layout, pool: gateway.pool).run()
            #expect(quick.drifts.count == found.drifts.count - 1)

            let repaired = try await StorageVerifier(configuration: .init(checksums: true, repair: true), layout: layout, pool: gateway.pool).run()
            #expect(repaired.remaining == 0, "\(repaired.drifts.filter { !$0.repaired })")
            let clean = try await StorageVerifier(configuration: .init(checksums: true), layout: layout, pool: gateway.pool).run()
            #expect(clean.drifts.isEmpty, "\(clean.drifts)")

            let state = try await TreeState.read(layout, pool: gateway.pool)
            #expect(state.rows[made[0].sop]?.state == "deleted")
            #expect(state.rows[orphan.sop]?.path == path(orphan))
            #expect(state.agrees)
            #expect(!fm.fileExists(atPath: stray))
            #expect(fm.fileExists(atPath: layout.absolute("failed/quarantine/storage/studies/\(made[4].study)/notes.txt")))
            for action in ["storage.row_deleted", "storage.reindexed", "storage.indexed", "storage.quarantined"] {
                #expect(try await TreeState.auditCount(gateway.pool, action: action, actorType: "system") >= 1, "\(action)")
            }
            if hasBinary {
                let cli = try await Tool.run(binary, ["storage", "verify", "--checksums", "--database-url", gateway.databaseURL, "--storage-root", layout.root])
                #expect(cli.status == 0, "\(cli.stdout) \(cli.stderr)")
            }
        }
    }
}
