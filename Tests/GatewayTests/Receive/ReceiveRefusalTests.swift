import DICOM
import DICOMNetwork
import Foundation
import Gateway
import PostgresClient
import Storage
import Testing
import TestSupport

/// What the receiver must refuse, and what duplicates do under each policy.
@Suite("Receive: refusals and duplicates", .requiresDatabase)
struct ReceiveRefusalTests {
    static let hostile = ["../../etc/passwd", "1.2/../x", String(repeating: "1", count: 65), "1.2.abc", "1.2.840.1a", "1..2"]

    @Test("hostile UIDs in the command or the data set are refused and no file appears anywhere")
    func hostileUIDs() async throws {
        let outer = try GatewayHarness.temporaryDirectory("gw-outer")
        defer { try? FileManager.default.removeItem(at: outer) }
        let root = outer.appendingPathComponent("root").path
        let generator = try UIDGenerator()
        try await GatewayHarness.with(root: root) { gateway in
            var objects: [(sop: String, dataSet: DataSet)] = []
            let study = generator.make(), series = generator.make()
            for uid in Self.hostile {
                // In the command (the data set agrees, so only UID rules can stop it).
                objects.append((uid, InstanceFactory.dataSet(study: study, series: series, sop: uid, number: 1, pixelBytes: 64)))
                // In the data set: study, series, SOP instance.
                let sop = generator.make()
                objects.append((sop, InstanceFactory.dataSet(study: uid, series: series, sop: sop, number: 2, pixelBytes: 64)))
                let sop2 = generator.make()
                objects.append((sop2, InstanceFactory.dataSet(study: study, series: uid, sop: sop2, number: 3, pixelBytes: 64)))
            }
            let outcomes = try await TestSCU.store(port: gateway.port, objects)
            #expect(outcomes.count == objects.count)
            for (outcome, object) in zip(outcomes, objects) {
                #expect(outcome.status != .success, "\(object.sop) was accepted")
                #expect(outcome.status.rawValue >= 0xA000 || outcome.status.rawValue == 0x0117, "status \(outcome.status)")
            }
            let state = try await TreeState.read(gateway.layout, pool: gateway.pool)
            #expect(state.files.isEmpty)
            #expect(state.unexpected.isEmpty)
            #expect(state.incoming.isEmpty)
            #expect(state.rows.isEmpty)
            // Nothing beside the root, nothing above the study directories.
            #expect(try FileManager.default.contentsOfDirectory(atPath: outer.path) == ["root"])
            let everything = try FileManager.default.subpathsOfDirectory(atPath: root)
            #expect(everything.allSatisfy { !$0.contains("..") && !$0.hasSuffix(".dcm") }, "\(everything)")

            // A valid object on the same gateway still goes through.
            let sop = generator.make()
            let ok = try await TestSCU.store(port: gateway.port, [(sop, InstanceFactory.dataSet(study: study, series: series, sop: sop, number: 4, pixelBytes: 64))])
            #expect(ok.first?.status == .success)
        }
    }

    /// New UIDs, and two versions of that instance (different content under one SOP
    /// Instance UID).
    static func twoVersions() throws -> (study: String, series: String, sop: String, first: DataSet, second: DataSet) {
        let generator = try UIDGenerator()
        let study = generator.make(), series = generator.make(), sop = generator.make()
        return (
            study, series, sop,
            InstanceFactory.dataSet(study: study, series: series, sop: sop, number: 1, pixelBytes: 256),
            InstanceFactory.dataSet(study: study, series: series, sop: sop, number: 2, pixelBytes: 256)
        )
    }

    @Test(
        "duplicates: identical content never stored twice; different content per policy",
        arguments: [DuplicatePolicy.keepFirst, .replace, .reject]
    )
    func duplicates(policy: DuplicatePolicy) async throws {
        let (_, _, sop, first, second) = try Self.twoVersions()
        try await GatewayHarness.with(policy: policy) { gateway in
            let outcomes = try await TestSCU.store(port: gateway.port, [(sop, first), (sop, first), (sop, second)])
            #expect(outcomes[0].status == .success)
            #expect(outcomes[1].status == .success, "identical resend")
            switch policy {
            case .reject: #expect(outcomes[2].status.rawValue == 0x0111)
            default: #expect(outcomes[2].status == .success)
            }
            let state = try await TreeState.read(gateway.layout, pool: gateway.pool)
            #expect(state.files.count == 1)
            #expect(state.rows.count == 1)
            #expect(state.agrees)
            #expect(state.incoming.isEmpty)
            let row = try #require(state.rows[sop])
            let stored = try InstanceFactory.dataSetBytes(gateway.layout.absolute(row.path))
            let expected = policy == .replace ? second : first
            #expect(stored == Data(try DataSetWriter.encode(expected, transferSyntax: .explicitVRLittleEndian)))
            let inspected = try InstanceFileInspector.inspect(gateway.layout.absolute(row.path), full: true)
            #expect(inspected.sha256 == row.sha256)
            #expect(try await TreeState.auditCount(gateway.pool, action: "instance.duplicate") == (policy == .replace ? 1 : 2))
            #expect(try await TreeState.auditCount(gateway.pool, action: "instance.replaced") == (policy == .replace ? 1 : 0))
        }
    }

    /// The receiver moves a new file into the tree with its fsync when the path is free,
    /// before the rows say whether the instance is new: a resend of an instance whose file
    /// has moved on to `forwarded/` finds the path free, and must not leave its copy there.
    @Test(
        "a resend of an instance already forwarded (file in forwarded/): the copy placed with its fsync is taken out unless it replaces",
        arguments: [DuplicatePolicy.keepFirst, .replace, .reject]
    )
    func duplicateOfForwarded(policy: DuplicatePolicy) async throws {
        let (study, series, sop, first, second) = try Self.twoVersions()
        try await GatewayHarness.with(policy: policy) { gateway in
            #expect(try await TestSCU.store(port: gateway.port, [(sop, first)]).map(\.status) == [.success])
            // Archive it the way the forwarder does: the file moves, the row follows.
            let stored = try StorageLayout.relativePath(of: InstanceUIDs(study: study, series: series, sop: sop))
            let forwarded = try StorageLayout.relativePath(of: InstanceUIDs(study: study, series: series, sop: sop), in: .forwarded)
            try FileManager.default.createDirectory(
                atPath: (gateway.layout.absolute(forwarded) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.moveItem(atPath: gateway.layout.absolute(stored), toPath: gateway.layout.absolute(forwarded))
            _ = try await gateway.pool.query(
                "UPDATE dicom_gw.instances SET file_path = $1, storage_state = 'forwarded' WHERE sop_instance_uid = $2", [forwarded, sop])

            let outcomes = try await TestSCU.store(port: gateway.port, [(sop, first), (sop, second)])
            #expect(outcomes[0].status == .success, "identical resend")
            #expect(outcomes[1].status.rawValue == (policy == .reject ? 0x0111 : 0x0000))
            let state = try await TreeState.read(gateway.layout, pool: gateway.pool)
            #expect(state.agrees, "rows \(state.rows.values.map(\.path)), files \(state.files.keys.sorted())")
            #expect(state.files.count == 1)
            #expect(state.incoming.isEmpty)
            let row = try #require(state.rows[sop])
            #expect(row.path == (policy == .replace ? stored : forwarded))
            let expected = policy == .replace ? second : first
            #expect(try InstanceFactory.dataSetBytes(gateway.layout.absolute(row.path))
                == Data(try DataSetWriter.encode(expected, transferSyntax: .explicitVRLittleEndian)))
        }
    }
}
