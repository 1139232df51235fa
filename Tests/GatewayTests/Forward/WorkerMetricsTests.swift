import Configuration
import Foundation
import Gateway
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `workers.metrics_listen`: its parsing, the metrics server on a real socket, and a real
/// `dicom-gw worker` process exporting the forwards it makes.
@Suite("Worker metrics")
struct WorkerMetricsTests {
    struct NotWritable: Error, CustomStringConvertible {
        var description: String { "not writable" }
    }

    static func logger() -> Logger {
        var logger = Logger(label: "test.worker-metrics")
        logger.logLevel = .critical
        return logger
    }

    /// GET `path` on 127.0.0.1:`port` over a real connection.
    static func get(_ path: String, port: Int) async throws -> (status: Int, contentType: String?, body: String) {
        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            let response = try await client.get(path)
            return (response.status.code, response.headers[.contentType], response.body.map { String(buffer: $0) } ?? "")
        }
    }

    /// The value of the sample line `series` (`name{labels}`) in a Prometheus text body.
    static func value(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    // MARK: Configuration

    @Test("workers.metrics_listen: off by default, layered like every key, 'off' overrides a file")
    func configurationLayers() async throws {
        #expect(try await GatewayConfiguration.load(file: nil, environment: [:]).workers.metricsListen == nil)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wm-\(UUID().uuidString).yaml").path
        try "workers:\n  count: 3\n  metrics_listen: 127.0.0.1:9181\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let fromFile = try await GatewayConfiguration.load(file: file, environment: [:])
        #expect(fromFile.workers.metricsListen == "127.0.0.1:9181")
        #expect(fromFile.workers.count == 3)
        let fromEnvironment = try await GatewayConfiguration.load(
            file: file, environment: ["DICOM_GW_WORKERS_METRICS_LISTEN": "[::1]:9182"])
        #expect(fromEnvironment.workers.metricsListen == "[::1]:9182")
        let turnedOff = try await GatewayConfiguration.load(
            file: file, overrides: ["workers.metrics_listen": .init(.string("off"), isSecret: false)],
            environment: ["DICOM_GW_WORKERS_METRICS_LISTEN": "[::1]:9182"])
        #expect(turnedOff.workers.metricsListen == nil)
        let address = try MetricsServer.Configuration(listen: "[::1]:9182")
        #expect(address.host == "::1")
        #expect(address.port == 9182)
    }

    @Test(
        "an unusable workers.metrics_listen stops the load, naming the key",
        arguments: ["9181", "127.0.0.1", "127.0.0.1:", ":9181", "127.0.0.1:65536", "127.0.0.1:-1", "localhost:http", "[::1]9181"])
    func invalidAddress(_ text: String) async throws {
        let error = try await #require(throws: ConfigurationError.self) {
            _ = try await GatewayConfiguration.load(file: nil, environment: ["DICOM_GW_WORKERS_METRICS_LISTEN": text])
        }
        #expect(error.key == "workers.metrics_listen")
        #expect(error.description.contains(text))
    }

    // MARK: The server, in process

    @Test("the server answers /healthz, /readyz and /metrics on a real socket and stops at graceful shutdown")
    func serverEndpoints() async throws {
        let registry = PrometheusCollectorRegistry()
        ForwardHandler.count(["delivered", "failed"], destination: "pacs", since: .now, factory: GatewayMetrics.makeFactory(registry: registry))
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = MetricsServer(
            configuration: .init(host: "127.0.0.1", port: 0), registry: registry,
            readinessChecks: [
                ReadinessCheck(name: "database") {},
                ReadinessCheck(name: "storage") { throw NotWritable() },
            ],
            logger: Self.logger(), onListening: { continuation.yield($0) })
        let group = ServiceGroup(services: [server], logger: Self.logger())
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            #expect(port > 0)

            let health = try await Self.get("/healthz", port: port)
            #expect(health.status == 200)
            #expect(health.body.contains(#""status":"ok""#))
            let ready = try await Self.get("/readyz", port: port)
            #expect(ready.status == 503)
            #expect(ready.body.contains("not writable"))
            let metrics = try await Self.get("/metrics", port: port)
            #expect(metrics.status == 200)
            #expect(metrics.contentType?.hasPrefix("text/plain") == true)
            #expect(Self.value(#"dicom_gw_forwards_total{destination="pacs",outcome="success"}"#, in: metrics.body) == 1)
            #expect(Self.value(#"dicom_gw_forwards_total{destination="pacs",outcome="failed"}"#, in: metrics.body) == 1)
            // The admin server's request metrics come along: the two probes above were counted.
            #expect(metrics.body.contains(#"dicom_gw_http_requests_total{method="GET",route="/readyz",status="503"} 1"#))
            // Nothing but the health resource: the admin API is not there.
            #expect(try await Self.get("/api/v1/users", port: port).status == 404)

            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            #expect(!LoopbackPort.accepts(port))
        }
    }

    @Test("a port already taken fails with the address named, not a bare errno")
    func portTaken() async throws {
        let registry = PrometheusCollectorRegistry()
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let first = MetricsServer(
            configuration: .init(port: 0), registry: registry, logger: Self.logger(), onListening: { continuation.yield($0) })
        let group = ServiceGroup(services: [first], logger: Self.logger())
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let second = MetricsServer(configuration: .init(port: port), registry: registry, logger: Self.logger())
            let error = try await #require(throws: MetricsListenError.self) { try await second.run() }
            #expect(error.address == "127.0.0.1:\(port)")
            #expect(error.description.hasPrefix("cannot listen for metrics on 127.0.0.1:\(port) (workers.metrics_listen"))
            #expect(error.description.lowercased().contains("address already in use"))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    // MARK: The command

    @Test("an unusable --metrics-listen stops the worker before it connects, naming the key")
    func invalidOption() async throws {
        let (status, output) = try await ChildProcess.run(
            TestPaths.gatewayBinary,
            ["worker", "--database-url", "postgresql://127.0.0.1:1/none", "--metrics-listen", "localhost"], timeout: .seconds(60))
        #expect(status != 0)
        #expect(output.contains("configuration workers.metrics_listen: 'localhost' is not HOST:PORT"), "\(output.suffix(2000))")
    }
}

/// A real `dicom-gw worker` with `--metrics-listen`, forwarding objects an in-process
/// receiver queued.
@Suite("Worker metrics process", .requiresDatabase, .serialized)
struct WorkerMetricsProcessTests {
    @Test("a worker process exports its forwards, pool and storage on /metrics; a second one on its port fails clearly; SIGTERM stops it")
    func workerProcess() async throws {
        try await ForwardHarness.run(workers: 0) { gw in
            let peer = try StoreSCPPeer(directory: gw.root.appendingPathComponent("peer"))
            try await peer.start()
            try await gw.addDestination("pacs", port: peer.port)
            try await gw.addRoute("all", to: ["pacs"])
            let cli = try GatewayCLI(databaseURL: gw.databaseURL, root: gw.root)
            let port = try LoopbackPort.free()
            let worker = try cli.start(["worker", "--count", "1", "--name", "metrics", "--metrics-listen", "127.0.0.1:\(port)"], name: "worker")
            defer { worker.signal(SIGKILL) }
            let up = try await gw.eventually(timeout: .seconds(30)) { LoopbackPort.accepts(port) || !worker.isRunning }
            try #require(up && worker.isRunning, "the worker's metrics server did not come up: \(worker.output.suffix(2000))")

            let (_, files) = try await gw.makeStudy(count: 3)
            try await gw.send(files)
            let delivered = try await gw.eventually(timeout: .seconds(60)) {
                try await gw.count("SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'") == 3
            }
            try #require(delivered, "not delivered: \(worker.output.suffix(2000))")

            let metrics = try await WorkerMetricsTests.get("/metrics", port: port)
            #expect(metrics.status == 200)
            let text = metrics.body
            #expect(WorkerMetricsTests.value(#"dicom_gw_forwards_total{destination="pacs",outcome="success"}"#, in: text) == 3)
            #expect(WorkerMetricsTests.value(#"dicom_gw_forward_duration_seconds_count{destination="pacs"}"#, in: text) == 3)
            #expect(text.contains("dicom_gw_db_pool_connections_in_use "))
            #expect(text.contains("dicom_gw_storage_free_bytes "))
            // The whole-gateway queue gauges stay with serve (one copy per gateway, not per worker).
            #expect(!text.contains("dicom_gw_queue_depth"))

            #expect(try await WorkerMetricsTests.get("/healthz", port: port).status == 200)
            let ready = try await WorkerMetricsTests.get("/readyz", port: port)
            #expect(ready.status == 200)
            #expect(ready.body.contains(#""name":"database""#) && ready.body.contains(#""name":"storage""#))

            // A second instance given the same port stops at once with the address in the message.
            let (status, output) = try await ChildProcess.run(
                TestPaths.gatewayBinary,
                ["worker", "--config", cli.configFile.path, "--name", "clash", "--metrics-listen", "127.0.0.1:\(port)"],
                timeout: .seconds(60))
            #expect(status != 0)
            #expect(output.contains("cannot listen for metrics on 127.0.0.1:\(port)"), "\(output.suffix(2000))")
            // It stopped through the ordered shutdown: its claim loops deregistered before the pool closed.
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.job_workers WHERE name = 'clash'") == 0)
            #expect(!output.contains("pool is shut down"), "\(output.suffix(2000))")

            worker.signal(SIGTERM)
            let exit = await worker.waitForExit()
            #expect(exit == 0, "\(worker.output.suffix(2000))")
            #expect(!LoopbackPort.accepts(port))
        }
    }
}
