public import Foundation

/// Finds the directory of schema migrations (`NNNN_name.sql`).
public enum MigrationsDirectory {
    /// Where the RPM installs them.
    public static let installed = "/usr/share/dicom-gw/migrations"

    /// The directory to use: `explicit` if given, else `DICOM_GW_MIGRATIONS_DIR`, else the
    /// source tree the running binary was built in (development), else the installed copy.
    ///
    /// - Throws: ``ConfigurationError`` when none of them exists.
    public static func locate(explicit: String? = nil, environment: [String: String]? = nil) throws -> URL {
        let environment = environment ?? ProcessInfo.processInfo.environment
        if let path = explicit ?? environment["DICOM_GW_MIGRATIONS_DIR"] {
            guard isMigrationsDirectory(path) else {
                throw ConfigurationError(key: "migrations", message: "\(path) holds no NNNN_name.sql migrations")
            }
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        var candidates: [String] = []
        // .build/<triple>/<configuration>/dicom-gw: the repository is a few levels up.
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        for _ in 0..<5 {
            directory.deleteLastPathComponent()
            candidates.append(directory.appendingPathComponent("migrations").path)
        }
        candidates.append(installed)
        candidates.append(FileManager.default.currentDirectoryPath + "/migrations")
        for candidate in candidates where isMigrationsDirectory(candidate) {
            return URL(fileURLWithPath: candidate, isDirectory: true)
        }
        throw ConfigurationError(
            key: "migrations",
            message: "no migrations directory found (looked in \(candidates.joined(separator: ", "))); pass --migrations DIR"
        )
    }

    private static func isMigrationsDirectory(_ path: String) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return false }
        return names.contains { $0.hasPrefix("0001_") && $0.hasSuffix(".sql") }
    }
}
