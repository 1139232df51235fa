import ArgumentParser
import Configuration
import Gateway
import Logging

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run forward workers only (any number of processes, on any machine reaching the database and storage).",
        discussion: "workers.count claim loops (at least one). SIGTERM stops it gracefully."
    )

    @OptionGroup var options: GlobalOptions

    @Option(name: .long, help: "Claim loops in this process (workers.count).")
    var count: Int?

    @Option(name: .long, help: "A name for this process in the queue's worker rows (default: worker).")
    var name: String = "worker"

    func run() async throws {
        var extra: [String: ConfigValue] = [:]
        if let count { extra["workers.count"] = .init(.int(count), isSecret: false) }
        let configuration = try await options.load(extra: extra)
        let logger = Logger(label: "dicom-gw.worker")
        logger.info("starting forward worker", metadata: ["name": "\(name)", "workers.count": "\(max(1, configuration.workers.count))"])
        try await ForwardWorkerProcess(configuration: configuration, name: name, logger: logger).run()
    }
}
