import ArgumentParser
import Configuration
import Gateway
import Logging

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run forward workers only (any number of processes, on any machine reaching the database and storage).",
        discussion: """
            workers.count claim loops (at least one). SIGTERM stops it gracefully.

            With --metrics-listen HOST:PORT (workers.metrics_listen, off by default) it also serves \
            GET /healthz, /readyz and /metrics (Prometheus text, no login, as serve's admin server \
            does): this process's forwards, database pool and storage free space. Give each worker \
            on a host its own port; keep it on loopback or behind a firewall.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(name: .long, help: "Claim loops in this process (workers.count).")
    var count: Int?

    @Option(name: .long, help: "A name for this process in the queue's worker rows (default: worker).")
    var name: String = "worker"

    @Option(name: .long, help: "Serve /healthz, /readyz and /metrics on HOST:PORT, or 'off' (workers.metrics_listen; default off).")
    var metricsListen: String?

    func run() async throws {
        MallocArenas.limitUnlessConfigured()
        var extra: [String: ConfigValue] = [:]
        if let count { extra["workers.count"] = .init(.int(count), isSecret: false) }
        if let metricsListen { extra["workers.metrics_listen"] = .init(.string(metricsListen), isSecret: false) }
        let configuration = try await options.load(extra: extra)
        let logger = Logger(label: "dicom-gw.worker")
        logger.info(
            "starting forward worker",
            metadata: [
                "name": "\(name)", "workers.count": "\(max(1, configuration.workers.count))",
                "workers.metrics_listen": "\(configuration.workers.metricsListen ?? "off")",
            ])
        try await ForwardWorkerProcess(configuration: configuration, name: name, logger: logger).run()
    }
}
