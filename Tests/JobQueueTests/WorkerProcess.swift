import Foundation
import TestSupport

/// A `queue-bench work` process: a real, separate worker process for the tests.
final class WorkerProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched from the test that owns this value.
    let process: Process

    /// The built queue-bench beside the test bundle (`swift build --build-tests` builds it).
    static var executable: URL {
        get throws {
            let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            for candidate in [dir, dir.deletingLastPathComponent()] {
                let url = candidate.appendingPathComponent("queue-bench")
                if FileManager.default.isExecutableFile(atPath: url.path) { return url }
            }
            throw TestDatabaseError("queue-bench is not built next to \(dir.path): run `swift build --build-tests`")
        }
    }

    init(url: String, queue: String, arguments: [String]) throws {
        process = Process()
        process.executableURL = try Self.executable
        process.arguments = ["work", "--url", url, "--queue", queue] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    func kill9() async {
        kill(process.processIdentifier, SIGKILL)
        _ = await PrivateCluster.waitForExit(process)
    }

    /// Stops it; returns without waiting (the test's cleanup).
    func terminate() {
        if process.isRunning { process.terminate() }
    }

    deinit { if process.isRunning { process.terminate() } }
}
