import Foundation

/// The built `dicom-gw serve` as a child process (for kill -9).
final class GatewayProcess: @unchecked Sendable {
    // Only touched from the test's own task.
    let process = Process()
    let port: Int
    let log: URL

    init(databaseURL: String, root: String, port: Int, log: URL) throws {
        self.port = port
        self.log = log
        process.executableURL = URL(fileURLWithPath: PackageRoot.gatewayBinary)
        process.arguments = [
            "serve", "--database-url", databaseURL, "--storage-root", root, "--port", "\(port)",
            "--ae-title", "GATEWAY", "--host", "127.0.0.1", "--log-level", "notice",
        ]
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
    }

    /// Starts it and waits until the port accepts connections.
    func start() async throws {
        try process.run()
        for _ in 0..<200 {
            if Self.accepts(port) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("dicom-gw serve did not listen on \(port): \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    func terminate() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }
}
