import Foundation
import Gateway
import PostgresClient
import Storage
import Testing
import TestSupport

/// The archive step moves the file inside the transaction that updates the row: a COMMIT
/// whose outcome is in doubt must leave the file where the committed row says it is.
@Suite("Forward: archive step with a COMMIT in doubt", .requiresDatabase)
struct ArchiverCommitTests {
    @Test("a COMMIT that went through but lost its connection: confirmed with txid_status, the file stays in forwarded/")
    func committedInDoubt() async throws {
        try await ForwardHarness.run(workers: 0) { gw in
            try await gw.addDestination("pacs", port: 1)
            try await gw.addRoute("all", to: ["pacs"]) { $0.archivePolicy = "archive" }
            let (_, files) = try await gw.makeStudy(count: 1)
            try await gw.send(files)
            // Delivered, as a worker would have recorded it; not yet settled.
            let id = try #require(try await gw.pool.query("SELECT id FROM dicom_gw.instances").first?.decode(Int64.self, at: 0))
            _ = try await gw.pool.execute(
                "UPDATE dicom_gw.deliveries SET state = 'delivered', settled = false WHERE instance_id = $1", [id])
            let stored = try #require(try await gw.pool.query("SELECT file_path FROM dicom_gw.instances WHERE id = $1", [id])
                .first?.decode(String.self, at: 0))
            #expect(stored.hasPrefix("storage/studies/"))

            // The archiver reaches PostgreSQL through a relay that cuts the connection of the
            // next COMMIT after the server received it.
            let components = try #require(URLComponents(string: gw.databaseURL))
            let serverPort = try #require(components.port ?? components.queryItems?.first { $0.name == "port" }?.value.flatMap(Int.init))
            let proxy = try CommitCutProxy(targetPort: serverPort)
            defer { proxy.close() }
            let url = "postgresql://\(components.user ?? "postgres")@127.0.0.1:\(proxy.port)\(components.path)?sslmode=disable"
            let relayed = PostgresPool(configuration: .init(url: url, maxConnections: 2), logger: gw.logger)
            proxy.arm()
            await Archiver(pool: relayed, layout: gw.layout, logger: gw.logger).settle(instanceIDs: [id])
            await relayed.shutdown()
            #expect(proxy.cuts == 1)

            let row = try #require(try await gw.pool.query(
                "SELECT file_path, storage_state::text FROM dicom_gw.instances WHERE id = $1", [id]).first)
            let path = try row.decode(String.self, at: 0)
            #expect(try row.decode(String.self, at: 1) == "forwarded")
            #expect(path.hasPrefix("forwarded/"))
            #expect(FileManager.default.fileExists(atPath: gw.layout.absolute(path)), "the row names \(path), the file is not there")
            #expect(!FileManager.default.fileExists(atPath: gw.layout.absolute(stored)))
        }
    }
}
