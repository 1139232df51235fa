import DICOM
import DICOMNetwork
import Foundation
import PostgresClient
import Storage
import Testing
import TestSupport

/// Crashes, a vanishing database, a full disk: nothing acknowledged is lost, nothing partial
/// stays, and the gateway recovers by itself.
@Suite("Receive: crash, database outage, disk full", .requiresDatabase, .serialized)
struct ReceiveResilienceTests {
    @Test("kill -9 during a 500-instance send, restart, resend: acknowledged ones kept, tree and rows agree")
    func killNine() async throws {
        let binary = PackageRoot.gatewayBinary
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build dicom-gw first (swift build --build-tests builds it): \(binary)")
        let directory = try GatewayHarness.temporaryDirectory("gw-kill")
        defer { try? FileManager.default.removeItem(at: directory) }
        let made = try InstanceFactory.write(count: 500, into: directory.appendingPathComponent("sent"), pixelBytes: 8192)
        let root = directory.appendingPathComponent("root").path
        let log = directory.appendingPathComponent("gateway.log")
        try await TestDatabase.withFresh(migrations: TestDatabase.repositoryMigrations) { database in
            let port = try PackageRoot.freePort()
            let first = try GatewayProcess(databaseURL: database.url, root: root, port: port, log: log)
            try await first.start()

            // storescu in the background, its log watched for acknowledgements.
            let scuLog = directory.appendingPathComponent("storescu.log")
            _ = FileManager.default.createFile(atPath: scuLog.path, contents: nil)
            let scu = Process()
            scu.executableURL = URL(fileURLWithPath: "/usr/bin/storescu")
            scu.arguments = ["-v", "-nh", "-aet", "TESTSCU", "-aec", "GATEWAY", "127.0.0.1", "\(port)"] + made.map(\.url.path)
            scu.environment = ["TCP_NODELAY": "1"]
            let scuHandle = try FileHandle(forWritingTo: scuLog)
            scu.standardError = scuHandle
            scu.standardOutput = scuHandle
            try scu.run()
            var acknowledgedSoFar = 0
            for _ in 0..<600 {
                let text = (try? String(contentsOf: scuLog, encoding: .utf8)) ?? ""
                acknowledgedSoFar = Tool.acknowledged(in: text).count
                if acknowledgedSoFar >= 150 || !scu.isRunning { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            first.kill9()
            scu.waitUntilExit()
            let acknowledged = Set(Tool.acknowledged(in: (try? String(contentsOf: scuLog, encoding: .utf8)) ?? ""))
            #expect(acknowledged.count >= 100)
            #expect(acknowledged.count < 500, "the kill came too late to test anything")

            let second = try GatewayProcess(databaseURL: database.url, root: root, port: port, log: log)
            try await second.start()
            defer { second.terminate() }
            let layout = StorageLayout(root: root)
            try await database.withPool { pool in
                // Recovery runs beside the listener; give it a moment to settle the tree.
                var state = try await TreeState.read(layout, pool: pool)
                for _ in 0..<100 where !state.agrees {
                    try await Task.sleep(for: .milliseconds(100))
                    state = try await TreeState.read(layout, pool: pool)
                }
                #expect(state.agrees, "files \(state.files.count), rows \(state.liveRows.count)")
                #expect(state.incoming.isEmpty, "partial files left: \(state.incoming.map(\.relativePath))")
                let bySOP = Dictionary(uniqueKeysWithValues: made.map { ($0.url.path, $0) })
                for path in acknowledged {
                    guard let instance = bySOP[path] else { continue }
                    #expect(state.rows[instance.sop] != nil, "acknowledged \(instance.sop) lost")
                }

                let resend = try await Tool.storescu(port: port, files: made.map(\.url.path), timeout: 120)
                #expect(Tool.acknowledged(in: resend.stderr).count == 500, "\(resend.stderr.suffix(1500))")
                state = try await TreeState.read(layout, pool: pool)
                #expect(state.rows.count == 500)
                #expect(state.files.count == 500)
                #expect(state.agrees)
                #expect(state.incoming.isEmpty)
                for instance in made {
                    guard let row = state.rows[instance.sop] else { continue }
                    let stored = try InstanceFileInspector.inspect(layout.absolute(row.path), full: true)
                    #expect(stored.sha256 == row.sha256)
                    #expect(try InstanceFactory.dataSetBytes(instance.url.path) == InstanceFactory.dataSetBytes(layout.absolute(row.path)))
                }
            }
        }
    }

    @Test(
        "database stopped mid-send: prompt failures, then storing again within seconds of its return",
        .enabled(if: TestCluster.binDirectory != nil, "PostgreSQL server binaries not installed")
    )
    func databaseOutage() async throws {
        // A cluster of the test's own, so stopping it disturbs no other suite.
        let cluster = try await TestCluster.start()
        do {
            let url = cluster.url
            let migrator = PostgresPool(configuration: .init(url: url, maxConnections: 1), logger: GatewayHarness.logger())
            _ = try await MigrationRunner(pool: migrator, directory: TestDatabase.repositoryMigrations, schema: "dicom_gw").migrate()
            await migrator.shutdown()
        let generator = try UIDGenerator()
            let study = generator.make(), series = generator.make()
            @Sendable func instance(_ n: Int) -> (sop: String, dataSet: DataSet) {
                let sop = generator.make()
                return (sop, InstanceFactory.dataSet(study: study, series: series, sop: sop, number: n, pixelBytes: 2048))
            }
            try await GatewayHarness.with(databaseURL: url) { gateway in
                let before = try await TestSCU.store(port: gateway.port, (0..<10).map(instance))
                #expect(before.allSatisfy { $0.status == .success })

                try await cluster.stop()
                let down = (10..<16).map(instance)
                for object in down {
                    let clock = ContinuousClock()
                    let start = clock.now
                    let outcome = try await TestSCU.store(port: gateway.port, [object])
                    let elapsed = clock.now - start
                    #expect(outcome.first?.status == .outOfResources, "\(String(describing: outcome.first))")
                    #expect(elapsed < .seconds(3), "answered after \(elapsed)")
                }

                try await cluster.startServer()
                let clock = ContinuousClock()
                let back = clock.now
                var stored = false
                while clock.now - back < .seconds(15) {
                    let outcome = try await TestSCU.store(port: gateway.port, [down[0]])
                    if outcome.first?.status == .success { stored = true; break }
                    try await Task.sleep(for: .milliseconds(250))
                }
                #expect(stored, "not storing again 15 s after the database returned")
                #expect(clock.now - back < .seconds(10))
                let after = try await TestSCU.store(port: gateway.port, Array(down.dropFirst()))
                #expect(after.allSatisfy { $0.status == .success })

                let state = try await TreeState.read(gateway.layout, pool: gateway.pool)
                #expect(state.rows.count == 16)
                #expect(state.agrees)
                #expect(state.incoming.isEmpty)
            }
        } catch {
            await cluster.destroy()
            throw error
        }
        await cluster.destroy()
    }

    @Test("disk full (a small tmpfs as the root): A700, nothing half-written, storing again once space is freed", .enabled(if: TmpfsMount.isPossible, TmpfsMount.skipMessage))
    func diskFull() async throws {
        let mountPoint = try GatewayHarness.temporaryDirectory("gw-tmpfs")
        defer { try? FileManager.default.removeItem(at: mountPoint) }
        try TmpfsMount.mount(at: mountPoint.path, megabytes: 4)
        defer { TmpfsMount.unmount(mountPoint.path) }
        let sources = try GatewayHarness.temporaryDirectory("gw-full-src")
        defer { try? FileManager.default.removeItem(at: sources) }
        let made = try InstanceFactory.write(count: 4, into: sources, pixelBytes: 300_000)
        try await GatewayHarness.with(root: mountPoint.path) { gateway in
            let first = try await Tool.storescu(port: gateway.port, files: [made[0].url.path])
            #expect(Tool.acknowledged(in: first.stderr).count == 1)

            // Leave less room than one more object needs.
            let filler = mountPoint.appendingPathComponent("tmp/filler").path
            try TmpfsMount.fill(filler, leaving: 150_000, on: mountPoint.path)
            let full = try await TestSCU.store(port: gateway.port, try made[1...2].map { m in
                let file = try DICOMFile.read(path: m.url.path)
                return (m.sop, file.dataSet)
            })
            #expect(full.allSatisfy { $0.status == .outOfResources }, "\(full)")
            var state = try await TreeState.read(gateway.layout, pool: gateway.pool)
            #expect(state.files.count == 1)
            #expect(state.rows.count == 1)
            #expect(state.agrees)
            #expect(state.incoming.isEmpty, "half-written: \(state.incoming.map(\.relativePath))")

            try FileManager.default.removeItem(atPath: filler)
            let again = try await Tool.storescu(port: gateway.port, files: made[1...3].map(\.url.path))
            #expect(Tool.acknowledged(in: again.stderr).count == 3, "\(again.stderr)")
            state = try await TreeState.read(gateway.layout, pool: gateway.pool)
            #expect(state.files.count == 4)
            #expect(state.agrees)
            for instance in made {
                let row = try #require(state.rows[instance.sop])
                #expect(try InstanceFactory.dataSetBytes(instance.url.path) == InstanceFactory.dataSetBytes(gateway.layout.absolute(row.path)))
            }
        }
    }
}
