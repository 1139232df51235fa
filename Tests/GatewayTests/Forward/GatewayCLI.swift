import Foundation
import TestSupport

/// The built `dicom-gw` for forward tests: a YAML configuration for a harness's database and
/// storage root, long-running `worker`/`serve` processes, and one-shot commands.
struct GatewayCLI {
    let configFile: URL
    let directory: URL

    /// Writes a configuration naming `databaseURL` and `root`, with short rescue windows so a
    /// killed process's jobs come back within seconds.
    init(databaseURL: String, root: URL, batchSize: Int = 10, extra: String = "") throws {
        directory = root.appendingPathComponent("cli-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        configFile = directory.appendingPathComponent("dicom-gw.yaml")
        let yaml = """
            database:
              url: "\(databaseURL)"
              max_connections: 6
            storage:
              root: "\(root.path)"
            forward:
              rescue_silence: 2
              rescue_interval: 0.5
              poll_interval: 0.2
              connect_timeout: 2
              network_timeout: 10
              batch_size: \(batchSize)
            log:
              level: notice
            \(extra)
            """
        try yaml.write(to: configFile, atomically: true, encoding: .utf8)
    }

    /// Starts `dicom-gw ARGUMENTS --config FILE` in the background.
    func start(_ arguments: [String], name: String) throws -> ChildProcess {
        let child = try ChildProcess(
            TestPaths.gatewayBinary, arguments + ["--config", configFile.path],
            log: directory.appendingPathComponent("\(name).log"))
        try child.start()
        return child
    }

    /// Runs `dicom-gw ARGUMENTS --config FILE` to its end; throws unless it exits 0.
    @discardableResult
    func run(_ arguments: [String]) async throws -> String {
        try await ChildProcess.checked(TestPaths.gatewayBinary, arguments + ["--config", configFile.path])
    }
}
