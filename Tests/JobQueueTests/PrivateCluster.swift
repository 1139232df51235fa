import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL cluster of the test's own (scripts/dev-db.sh with its own data directory),
/// for tests that restart the server and must not disturb suites running beside them.
struct PrivateCluster: Sendable {
    let directory: URL
    let script: URL

    static func make() throws -> PrivateCluster {
        let env = ProcessInfo.processInfo.environment["DICOM_GW_TEST_DB_CTL"]
        let script = env.map { URL(fileURLWithPath: $0) } ?? URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/dev-db.sh")
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("jobqueue-restart-\(UUID().uuidString.prefix(8))/pg")
        return PrivateCluster(directory: directory, script: script)
    }

    @discardableResult
    func ctl(_ arguments: String...) async throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["DICOM_GW_DEV_DB_DIR"] = directory.path
        environment["DICOM_GW_DEV_DB_FAST"] = "1"
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("devdb-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let status = try await Self.spawn(
            ["/bin/bash", script.path] + arguments,
            environment: environment.map { "\($0.key)=\($0.value)" },
            output: log.path)
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard status == 0 else { throw TestDatabaseError("dev-db.sh \(arguments) failed (\(status)): \(text)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// posix_spawn and a non-blocking waitpid poll. Not Foundation's Process: it learns of a
    /// child's exit through a descriptor the child inherits, and the server dev-db.sh starts
    /// inherits it too and outlives the script, so the script never seems to end.
    static func spawn(_ argv: [String], environment: [String], output: String) async throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer {
            cArgv.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgv, cEnv)
        guard rc == 0 else { throw TestDatabaseError("posix_spawn \(argv[0]) failed: \(rc)") }
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { throw TestDatabaseError("waitpid failed: \(errno)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import (they are macros).
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Waits on a thread of its own (a blocking wait stays off the cooperative pool) for a
    /// child that does not hand its descriptors on to daemons.
    static func waitForExit(_ process: Process) async -> Int32 {
        let box = UncheckedProcess(process: process)
        return await withCheckedContinuation { continuation in
            let thread = Thread {
                box.process.waitUntilExit()
                continuation.resume(returning: box.process.terminationStatus)
            }
            thread.start()
        }
    }

    func url() async throws -> String { try await ctl("url") }

    func destroy() async {
        _ = try? await ctl("stop")
        try? FileManager.default.removeItem(at: directory.deletingLastPathComponent())
    }
}

/// Carries a `Process` to the thread that waits for it; only that thread touches it then.
struct UncheckedProcess: @unchecked Sendable {
    let process: Process
}
