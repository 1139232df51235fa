import DICOM
import DICOMNetwork
import Foundation
import Gateway
import Storage
import Testing
import TestSupport

/// The earlier version a replacement keeps aside in `incoming/` until it commits: settled by
/// content after a crash or a commit in doubt, never deleted blindly.
@Suite("Storage: kept-aside versions of replaced instances", .requiresDatabase)
struct KeptAsideTests {
    static func dataSet(_ v: (study: String, series: String, sop: String), number: Int) -> DataSet {
        InstanceFactory.dataSet(study: v.study, series: v.series, sop: v.sop, number: number, pixelBytes: 512)
    }

    /// Stores version 1 of a new instance through the gateway; its row.
    static func storeFirst(_ gateway: GatewayHarness) async throws -> (uids: (study: String, series: String, sop: String), row: TreeState.Row) {
        let generator = try UIDGenerator()
        let uids = (study: generator.make(), series: generator.make(), sop: generator.make())
        #expect(try await TestSCU.store(port: gateway.port, [(uids.sop, dataSet(uids, number: 1))]).first?.status == .success)
        let row = try #require(try await TreeState.read(gateway.layout, pool: gateway.pool).rows[uids.sop])
        return (uids, row)
    }

    /// Writes `dataSet` as a Part 10 file at `absolute` (what a receiver would have placed).
    static func write(_ dataSet: DataSet, to absolute: String) throws {
        try InstanceFactory.write(dataSet, to: URL(fileURLWithPath: absolute))
    }

    static func resolveAll(_ gateway: GatewayHarness) async throws -> KeptAside.Summary {
        try await KeptAside.resolveAll(in: gateway.layout, io: BlockingIO(), pool: gateway.pool, actor: "test")
    }

    /// Resolves every kept-aside version, then checks the rows are still `before`, the tree
    /// agrees with them and `incoming/` is empty.
    static func resolveLeavingRows(_ before: TreeState, _ gateway: GatewayHarness) async throws -> KeptAside.Summary {
        let summary = try await resolveAll(gateway)
        let after = try await TreeState.read(gateway.layout, pool: gateway.pool)
        #expect(after.rows == before.rows)
        #expect(after.agrees)
        #expect(after.incoming.isEmpty)
        return summary
    }

    /// The crash window of a replacement: the stored version kept aside, version 2 moved over
    /// it, no commit. Returns the kept-aside link.
    static func replaceWithoutCommit(_ uids: (study: String, series: String, sop: String), row: TreeState.Row, _ gateway: GatewayHarness) throws -> String {
        let aside = try #require(try StorageFiles.keepAside(row.path, in: gateway.layout))
        let replacement = gateway.layout.absolute("incoming/replacement.tmp")
        try write(dataSet(uids, number: 2), to: replacement)
        #expect(rename(replacement, gateway.layout.absolute(row.path)) == 0)
        return aside
    }

    @Test("a replacement that never committed: the acknowledged version goes back, audited, and the link is gone")
    func replacementNotCommitted() async throws {
        try await GatewayHarness.with(policy: .replace) { gateway in
            let (uids, row) = try await Self.storeFirst(gateway)
            let before = try await TreeState.read(gateway.layout, pool: gateway.pool)
            let aside = try Self.replaceWithoutCommit(uids, row: row, gateway)
            #expect(aside.hasPrefix("incoming/") && aside.hasSuffix(".aside"))
            #expect(try InstanceFileInspector.inspect(gateway.layout.absolute(row.path), full: true).sha256 != row.sha256)
            // Start-up recovery of partial files leaves it alone.
            #expect(try await StartupRecovery.removePartialFiles(in: gateway.layout, io: BlockingIO()) == 0)

            let summary = try await Self.resolveLeavingRows(before, gateway)
            #expect(summary.restored == 1 && summary.removed == 0)
            #expect(try InstanceFileInspector.inspect(gateway.layout.absolute(row.path), full: true).sha256 == row.sha256)
            #expect(try await TreeState.auditCount(gateway.pool, action: "storage.restored", actorType: "system") == 1)
            #expect(try await Self.resolveAll(gateway) == KeptAside.Summary())
        }
    }

    @Test("a replacement that committed: the kept-aside version is dropped and the tree left as it is")
    func replacementCommitted() async throws {
        try await GatewayHarness.with(policy: .replace) { gateway in
            let (uids, row) = try await Self.storeFirst(gateway)
            // Keep a copy of version 1, as the link would have been, then replace it for real.
            let copy = gateway.layout.absolute("incoming/copy.tmp")
            try FileManager.default.copyItem(atPath: gateway.layout.absolute(row.path), toPath: copy)
            #expect(try await TestSCU.store(port: gateway.port, [(uids.sop, Self.dataSet(uids, number: 2))]).first?.status == .success)
            #expect(rename(copy, gateway.layout.absolute("incoming/leftover.aside")) == 0)
            let before = try await TreeState.read(gateway.layout, pool: gateway.pool)
            #expect(before.rows[uids.sop]?.sha256 != row.sha256)

            let summary = try await Self.resolveLeavingRows(before, gateway)
            #expect(summary.removed == 1 && summary.restored == 0)
        }
    }

    @Test("kept-aside versions of a deleted or unknown instance are dropped; unreadable ones quarantined")
    func orphanedAndUnreadable() async throws {
        try await GatewayHarness.with(policy: .replace) { gateway in
            let generator = try UIDGenerator()
            let unknown = (study: generator.make(), series: generator.make(), sop: generator.make())
            try Self.write(Self.dataSet(unknown, number: 1), to: gateway.layout.absolute("incoming/unknown.aside"))
            try Data(repeating: 0x41, count: 300).write(to: URL(fileURLWithPath: gateway.layout.absolute("incoming/garbage.aside")))

            let summary = try await Self.resolveAll(gateway)
            #expect(summary.removed == 1 && summary.quarantined == 1)
            #expect(try await TreeState.read(gateway.layout, pool: gateway.pool).incoming.isEmpty)
            #expect(FileManager.default.fileExists(atPath: gateway.layout.absolute("failed/quarantine/incoming/garbage.aside")))
        }
    }

    @Test("storage verify reports a kept-aside version as such, never as a stray; --repair settles it; cleanup never expires it")
    func verifyAndCleanup() async throws {
        try await GatewayHarness.with(policy: .replace) { gateway in
            let (uids, row) = try await Self.storeFirst(gateway)
            let aside = try Self.replaceWithoutCommit(uids, row: row, gateway)
            // Old enough to count as a stray, were it one.
            let old = Date(timeIntervalSinceNow: -30 * 86_400)
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: gateway.layout.absolute(aside))

            let cleaned = try await StorageCleanup(
                configuration: .init(tmpDays: 1), layout: gateway.layout, pool: gateway.pool, logger: TestDatabase.logger
            ).run()
            #expect(!cleaned.entries.contains { $0.path == aside })
            #expect(FileManager.default.fileExists(atPath: gateway.layout.absolute(aside)))

            let found = try await StorageVerifier(configuration: .init(checksums: true), layout: gateway.layout, pool: gateway.pool).run()
            #expect(found.drifts.filter { $0.kind == .keptAside }.map(\.path) == [aside])
            #expect(!found.drifts.contains { $0.kind == .strayIncoming })
            #expect(found.drifts.contains { $0.kind == .checksumMismatch })

            let repaired = try await StorageVerifier(configuration: .init(checksums: true, repair: true), layout: gateway.layout, pool: gateway.pool).run()
            #expect(repaired.drifts.first { $0.kind == .keptAside }?.repair == "settled: restored")
            let clean = try await StorageVerifier(configuration: .init(checksums: true), layout: gateway.layout, pool: gateway.pool).run()
            #expect(clean.drifts.isEmpty, "\(clean.drifts)")
            #expect(try InstanceFileInspector.inspect(gateway.layout.absolute(row.path), full: true).sha256 == row.sha256)
        }
    }
}
