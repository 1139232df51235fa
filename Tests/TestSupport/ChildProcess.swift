public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An external program run by a test (a DCMTK tool, the built `dicom-gw`), its output in a
/// log file, never waited for on the cooperative pool: exits are observed through the
/// termination handler.
///
/// `TCP_NODELAY=1` is always in its environment (DCMTK reads it).
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `process` is configured in init and only started, signalled and read after;
    // `exit` is guarded by its lock.
    private let process = Process()
    private let exit = NSLock()
    private var exitStatus: Int32?
    private var started = false
    private var waiters: [CheckedContinuation<Int32, Never>] = []

    /// Where stdout and stderr go.
    public let log: URL

    /// A process not yet started.
    /// - Parameters:
    ///   - log: appended to; nil makes a temporary file.
    public init(_ path: String, _ arguments: [String], environment extra: [String: String] = [:], log: URL? = nil) throws {
        self.log = log ?? FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString).log")
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TCP_NODELAY"] = "1"
        environment.merge(extra) { _, new in new }
        process.environment = environment
        if !FileManager.default.fileExists(atPath: self.log.path) {
            _ = FileManager.default.createFile(atPath: self.log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: self.log)
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
        process.terminationHandler = { [weak self] process in self?.exited(process.terminationStatus) }
    }

    /// Starts it.
    public func start() throws {
        try process.run()
        exit.withLock { started = true }
    }

    /// Its pid (after ``start()``).
    public var pid: Int32 { process.processIdentifier }

    /// Whether it has not exited yet.
    public var isRunning: Bool { exit.withLock { exitStatus == nil } && process.isRunning }

    /// Sends `signal`.
    public func signal(_ signal: Int32) {
        if isRunning { kill(process.processIdentifier, signal) }
    }

    /// Kills it (SIGKILL) and waits for the exit.
    public func kill9() async {
        guard exit.withLock({ started && exitStatus == nil }) else { return }
        signal(SIGKILL)
        _ = await waitForExit()
    }

    /// Waits for the exit; returns the status.
    public func waitForExit() async -> Int32 {
        await withCheckedContinuation { continuation in
            let done: Int32? = exit.withLock {
                if let exitStatus { return exitStatus }
                waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// The log so far.
    public var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    private func exited(_ status: Int32) {
        let waiting = exit.withLock {
            exitStatus = status
            defer { waiters = [] }
            return waiters
        }
        for waiter in waiting { waiter.resume(returning: status) }
    }

    /// Runs a program to its end (killed after `timeout`) and returns its status and output.
    public static func run(
        _ path: String, _ arguments: [String], timeout: Duration = .seconds(60), environment: [String: String] = [:]
    ) async throws -> (status: Int32, output: String) {
        let child = try ChildProcess(path, arguments, environment: environment)
        defer { try? FileManager.default.removeItem(at: child.log) }
        try child.start()
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            child.signal(SIGKILL)
        }
        let status = await child.waitForExit()
        watchdog.cancel()
        return (status, child.output)
    }

    /// As ``run(_:_:timeout:environment:)``, throwing unless it exits 0.
    @discardableResult
    public static func checked(
        _ path: String, _ arguments: [String], timeout: Duration = .seconds(60), environment: [String: String] = [:]
    ) async throws -> String {
        let (status, output) = try await run(path, arguments, timeout: timeout, environment: environment)
        guard status == 0 else {
            throw TestDatabaseError("\(path) \(arguments.prefix(6).joined(separator: " ")) exited \(status): \(output.suffix(2000))")
        }
        return output
    }
}
