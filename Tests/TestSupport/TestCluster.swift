public import Foundation

/// A private PostgreSQL cluster in a temporary directory, for tests that stop or restart
/// the server: other suites, using the shared test server, are never disturbed.
///
/// Listens on a unix socket in its own directory only (no TCP port to collide on). As root it
/// runs as the `postgres` user, since PostgreSQL refuses to run as root.
public final class TestCluster: Sendable {
    /// A URL for the cluster's `postgres` database.
    public let url: String
    private let directory: URL
    private let binDirectory: URL
    private let runAs: String?

    private init(url: String, directory: URL, binDirectory: URL, runAs: String?) {
        self.url = url
        self.directory = directory
        self.binDirectory = binDirectory
        self.runAs = runAs
    }

    /// The server binaries, or nil when PostgreSQL's server is not installed.
    public static var binDirectory: URL? {
        let fm = FileManager.default
        let versions = (try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let bin = URL(fileURLWithPath: "/usr/lib/postgresql/\(version)/bin")
            if fm.isExecutableFile(atPath: bin.appendingPathComponent("initdb").path) { return bin }
        }
        return nil
    }

    /// Creates and starts a cluster; ``stop()`` and ``destroy()`` it when done.
    /// - Throws: ``TestDatabaseError`` when the binaries are missing or a command fails.
    public static func start() async throws -> TestCluster {
        guard let bin = binDirectory else {
            throw TestDatabaseError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        }
        // Short path: a unix socket path may not exceed ~107 bytes.
        let directory = URL(fileURLWithPath: "/tmp/pgt-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let runAs: String? = getuid() == 0 ? "postgres" : nil
        if let runAs {
            try await run("/usr/bin/id", ["-u", runAs], as: nil)
            try await run("/bin/chown", [runAs, directory.path], as: nil)
        }
        let cluster = TestCluster(
            url: "postgresql://postgres@/postgres?host=\(directory.path)&port=5432",
            directory: directory, binDirectory: bin, runAs: runAs)
        try await run(
            bin.appendingPathComponent("initdb").path,
            ["-D", cluster.dataPath, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            as: runAs)
        try await cluster.startServer()
        return cluster
    }

    private var dataPath: String { directory.appendingPathComponent("data").path }

    /// Starts the server (after ``stop()``).
    public func startServer() async throws {
        let options = "-c listen_addresses= -c port=5432 -c unix_socket_directories=\(directory.path) -c fsync=off -c max_connections=50"
        try await Self.run(
            binDirectory.appendingPathComponent("pg_ctl").path,
            ["-D", dataPath, "-l", directory.appendingPathComponent("server.log").path, "-w", "-t", "30", "-o", options, "start"],
            as: runAs)
    }

    /// Stops the server (fast mode: sessions are terminated).
    public func stop() async throws {
        try await Self.run(
            binDirectory.appendingPathComponent("pg_ctl").path, ["-D", dataPath, "-m", "fast", "-w", "stop"], as: runAs)
    }

    /// Restarts the server, as `pg_ctl restart` would.
    public func restart() async throws {
        try await stop()
        try await startServer()
    }

    /// Stops the server if running and deletes the cluster.
    public func destroy() async {
        try? await stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs a command to completion on a thread of its own (off the cooperative pool).
    ///
    /// Not `Process`: swift-corelibs-foundation notices a child's exit through a descriptor the
    /// child inherits, and the server `pg_ctl start` leaves behind keeps it open, so the exit
    /// would never be seen. `system()` simply waits for the shell.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], as user: String?) async throws -> String {
        let words = (user.map { ["/usr/sbin/runuser", "-u", $0, "--"] } ?? []) + [executable] + arguments
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("pgt-cmd-\(UUID().uuidString).log")
        let command = words.map(shellQuote).joined(separator: " ") + " </dev/null >" + shellQuote(log.path) + " 2>&1"
        let status: Int32 = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: system(command))
            }
            thread.start()
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: log)
        guard status == 0 else {
            throw TestDatabaseError("\(executable) \(arguments.joined(separator: " ")) failed (\(status)): \(text)")
        }
        return text
    }

    private static func shellQuote(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
