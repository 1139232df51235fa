import DICOMNetwork
import Foundation
import Gateway
import JobQueue
import Logging
import PostgresClient
import Storage
import TestSupport

/// A gateway assembled in-process for one test: its own database, storage root, receiver on
/// a free port with the forwarding hooks, and forward workers; DCMTK peers around it.
final class ForwardHarness: @unchecked Sendable {
    // @unchecked: set once in `run` before the body, read only afterwards.
    let pool: PostgresPool
    let databaseURL: String
    let root: URL
    let layout: StorageLayout
    var port = 0
    let logger = TestDatabase.logger

    static var corpus: URL { TestPaths.corpus }

    init(pool: PostgresPool, databaseURL: String) throws {
        self.pool = pool
        self.databaseURL = databaseURL
        root = FileManager.default.temporaryDirectory.appendingPathComponent("fwd-\(UUID().uuidString)")
        layout = StorageLayout(root: root.path)
        try layout.prepare()
    }

    /// Runs a fresh gateway with `workers` in-process forward workers around `body`.
    static func run(
        workers: Int = 2, settings: (inout ForwardSettings) -> Void = { _ in },
        _ body: @Sendable (ForwardHarness) async throws -> Void
    ) async throws {
        try await TestDatabase.withFresh(migrations: TestDatabase.repositoryMigrations) { database in
            try await database.withPool(maxConnections: 16) { pool in
                let harness = try ForwardHarness(pool: pool, databaseURL: database.url)
                defer { try? FileManager.default.removeItem(at: harness.root) }
                var configuration = GatewayConfiguration()
                configuration.dicom.host = "127.0.0.1"
                configuration.dicom.port = 0
                var forward = ForwardSettings()
                forward.rescueSilence = .seconds(3)
                forward.rescueInterval = .milliseconds(500)
                forward.pollInterval = .milliseconds(200)
                forward.networkTimeout = .seconds(5)
                forward.connectTimeout = .seconds(2)
                settings(&forward)
                let receiver = ReceiveService(
                    configuration: .init(), layout: harness.layout, pool: pool,
                    hooks: ForwardHooks(queue: JobQueue(pool: pool, logger: harness.logger)), logger: harness.logger)
                let server = DICOMServer(configuration: configuration.dicomServerConfiguration, handler: receiver, logger: harness.logger)
                // The workers get a pool of their own, never awaited at shutdown: a stop that
                // lingers must not hang the suite (the database is dropped WITH (FORCE)).
                let workerPool = PostgresPool(configuration: .init(url: database.url, maxConnections: 8), logger: harness.logger)
                let service = ForwardService(pool: workerPool, layout: harness.layout, settings: forward, workers: workers,
                                             name: "test", logger: harness.logger)
                let serverTask = Task { try await server.run() }
                let serviceTask: Task<Void, any Error>? = workers > 0 ? Task { try await service.run() } : nil
                defer {
                    serverTask.cancel()
                    serviceTask?.cancel()
                    // Closed once the workers stopped, never awaited here.
                    Task.detached {
                        _ = await serviceTask?.result
                        await workerPool.shutdown()
                    }
                }
                var port: Int?
                for _ in 0..<200 where port == nil {
                    port = try? await server.listeningPorts().plain
                    if port == nil { try await Task.sleep(for: .milliseconds(20)) }
                }
                guard let port else { throw TestDatabaseError("the in-process receiver did not listen") }
                harness.port = port
                try await body(harness)
                serverTask.cancel()
                serviceTask?.cancel()
                // Bounded: a stop that lingers must not hang the suite.
                for _ in 0..<10 {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
        }
    }

    // MARK: Set-up helpers

    @discardableResult
    func addDestination(_ name: String, port: Int, aeTitle: String = "STORESCP", configure: (inout Destination) -> Void = { _ in }) async throws -> Destination {
        var d = Destination(name: name, aeTitle: aeTitle, host: "127.0.0.1", port: port)
        d.retryInitialDelay = 0.5
        d.retryMaxDelay = 2
        d.breakerPause = 1
        configure(&d)
        return try await DestinationStore(pool: pool).save(d, actor: .user("test"))
    }

    /// Pauses or resumes the destination named `name` (its lane holds its jobs meanwhile).
    func setPaused(_ name: String, _ paused: Bool) async throws {
        let store = DestinationStore(pool: pool)
        guard var destination = try await store.find(name: name) else { throw TestDatabaseError("no destination \(name)") }
        destination.paused = paused
        try await store.update(destination, actor: .user("test"))
    }

    func addRoute(_ name: String, to: [String], configure: (inout Route) throws -> Void = { _ in }) async throws {
        var r = Route(name: name, destinations: to)
        try configure(&r)
        try await RouteStore(pool: pool).save(r, actor: .user("test"))
    }

    /// `count` copies of a corpus file, each with new SOP Instance UIDs, in one new study.
    /// - Parameter modify: further dcmodify options applied to each copy (`-i "(0008,1010)=X"`, `-e …`).
    func makeStudy(
        count: Int, from file: String = "pydicom/CT_small.dcm", study: String? = nil, modify: [String] = []
    ) async throws -> (study: String, files: [URL]) {
        let directory = root.appendingPathComponent("source-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let studyUID = study ?? "2.25.\(UInt64.random(in: 1...UInt64.max))"
        var files: [URL] = []
        for i in 0..<count {
            let target = directory.appendingPathComponent("\(i).dcm")
            try FileManager.default.copyItem(at: Self.corpus.appendingPathComponent(file), to: target)
            try await ChildProcess.checked(
                "/usr/bin/dcmodify", ["-nb", "-gin", "-m", "(0020,000d)=\(studyUID)", "-m", "(0020,000e)=\(studyUID).1"] + modify + [target.path])
            files.append(target)
        }
        return (studyUID, files)
    }

    /// Sends files to the gateway with storescu.
    func send(_ files: [URL], callingAE: String = "MODALITY", to port: Int? = nil) async throws {
        try await ChildProcess.checked(
            "/usr/bin/storescu", ["-aet", callingAE, "-aec", "DICOM_GW", "127.0.0.1", "\(port ?? self.port)"] + files.map(\.path),
            timeout: .seconds(120))
    }

    /// Waits until `condition` holds, polling; false after `timeout`.
    func eventually(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }

    func count(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
        Int(try await pool.query(sql, parameters).first?.decode(Int64.self, at: 0) ?? -1)
    }

    /// The data set bytes of a Part 10 file (after its meta information).
    static func dataSet(of url: URL) async throws -> Data {
        let summary = try await DICOMFileSummary.read(path: url.path)
        return try Data(contentsOf: url).subdata(in: Int(summary.dataSetOffset)..<Int(try Data(contentsOf: url).count))
    }
}
