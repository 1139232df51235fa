import Foundation

/// Runs an external program (DCMTK tools, the built gateway) off the cooperative pool.
enum Tool {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ path: String, _ arguments: [String], timeout: Double = 60, environment extra: [String: String] = [:]) async throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TCP_NODELAY"] = "1"
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("out")
        let errURL = directory.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                if process.isRunning { kill(pid, SIGKILL) }
            }
        }
        let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return Output(status: status, stdout: out, stderr: err)
    }

    /// storescu to 127.0.0.1:`port` with the given files, verbose (acknowledgements on stderr).
    static func storescu(port: Int, files: [String], extra: [String] = [], timeout: Double = 90) async throws -> Output {
        try await run("/usr/bin/storescu", ["-v", "-nh", "-aet", "TESTSCU", "-aec", "GATEWAY"] + extra + ["127.0.0.1", "\(port)"] + files, timeout: timeout)
    }

    /// storescu proposing exactly the file's own SOP class and transfer syntax (an association
    /// negotiation profile written for it), so a compressed file goes as it is.
    static func storescuAsIs(port: Int, file: String, sopClass: String, transferSyntax: String, scratch: URL) async throws -> Output {
        let config = scratch.appendingPathComponent("\(UUID().uuidString).cfg")
        let text = """
            [[TransferSyntaxes]]
            [TS1]
            TransferSyntax1 = \(transferSyntax)
            [[PresentationContexts]]
            [PC1]
            PresentationContext1 = \(sopClass)\\TS1
            [[Profiles]]
            [P1]
            PresentationContexts = PC1

            """
        try Data(text.utf8).write(to: config)
        defer { try? FileManager.default.removeItem(at: config) }
        return try await storescu(port: port, files: [file], extra: ["-xf", config.path, "P1"])
    }

    /// SOP Instance UIDs storescu logged as answered with success ("Received Store Response (Success)").
    static func acknowledged(in log: String) -> [String] {
        // storescu -v logs "Sending file: PATH", then "Received Store Response (Success)" once answered.
        var result: [String] = []
        var pending: String?
        for line in log.split(separator: "\n") {
            if let range = line.range(of: "Sending file: ") {
                pending = String(line[range.upperBound...]).trimmingCharacters(in: .whitespaces)
            } else if line.contains("Received Store Response"), let file = pending {
                if line.contains("(Success)") { result.append(file) }
                pending = nil
            }
        }
        return result
    }
}
