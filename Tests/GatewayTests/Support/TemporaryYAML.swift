import Foundation
import Gateway

/// Configuration files for tests, in the temporary directory.
enum TemporaryYAML {
    /// Writes `text` to a new file and returns its path; the caller removes it.
    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("dicom-gw-config-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Loads `text` as the configuration file, over `environment` (none by default), and
    /// removes the file.
    static func load(_ text: String, environment: [String: String] = [:]) async throws -> GatewayConfiguration {
        let path = try write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await GatewayConfiguration.load(file: path, environment: environment)
    }
}
