import Foundation

/// A PostgreSQL cluster of the test's own (scripts/dev-db.sh with a private data directory),
/// so stopping it disturbs no other suite.
struct PrivateCluster {
    let directory: URL

    var environment: [String: String] {
        ["DICOM_GW_DEV_DB_DIR": directory.appendingPathComponent("pg").path, "DICOM_GW_DEV_DB_FAST": "1"]
    }

    static func create() async throws -> PrivateCluster {
        let directory = try GatewayHarness.temporaryDirectory("gw-pg")
        let cluster = PrivateCluster(directory: directory)
        try await cluster.control("start")
        return cluster
    }

    func control(_ command: String) async throws {
        let output = try await Tool.run("/bin/bash", [PackageRoot.databaseControl, command], timeout: 90, environment: environment)
        guard output.status == 0 else { throw TestFailure("dev-db.sh \(command): \(output.stdout) \(output.stderr)") }
    }

    func url() async throws -> String {
        let output = try await Tool.run("/bin/bash", [PackageRoot.databaseControl, "url"], environment: environment)
        guard output.status == 0 else { throw TestFailure("dev-db.sh url: \(output.stderr)") }
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func destroy() async {
        _ = try? await control("stop")
        try? FileManager.default.removeItem(at: directory)
    }
}
