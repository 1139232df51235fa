import Foundation
import Glibc

/// A /usr/bin/storescp running in the background on a free port, writing bit-preserved files.
final class ExternalSCP {
    let process: Process
    let port: Int
    let outputDirectory: URL

    init(outputDirectory: URL, acceptedSyntaxes: String = "+xa", extraArguments: [String] = []) throws {
        self.port = try Self.freePort()
        self.outputDirectory = outputDirectory
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/storescp")
        process.arguments = ["-aet", "STORESCP", "+B", acceptedSyntaxes, "-od", outputDirectory.path] + extraArguments + ["\(self.port)"]
        var environment = ProcessInfo.processInfo.environment
        environment["TCP_NODELAY"] = "1"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    /// Waits until the port accepts TCP connections.
    func waitUntilListening() async throws {
        for _ in 0..<100 {
            if Self.canConnect(self.port) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CocoaError(.fileReadUnknown)
    }

    func stop() {
        if self.process.isRunning { self.process.terminate() }
    }

    deinit { self.stop() }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw CocoaError(.fileWriteUnknown) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func canConnect(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
