public import Foundation

/// One migration file, `NNNN_name.sql`.
public struct Migration: Sendable, Hashable {
    /// The number before the first underscore.
    public var version: Int64
    /// The rest of the file name, without `.sql`.
    public var name: String
    /// The SQL text (may hold several statements).
    public var sql: String
    /// SHA-256 of the file's bytes, lowercase hex.
    public var checksum: String

    /// A migration from its parts; the checksum is computed from `sql`.
    public init(version: Int64, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hex(Array(sql.utf8))
    }

    /// The largest file accepted (migrations are hand-written SQL).
    public static let maxFileSize = 16 * 1024 * 1024

    /// Reads every `*.sql` file of `directory`, sorted by version.
    /// - Throws: ``MigrationError`` for a badly named file, a duplicate version, or an
    ///   unreadable or oversized file.
    public static func load(from directory: URL) throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError(code: .unreadable, message: "cannot list \(directory.path): \(error)")
        }
        var migrations: [Migration] = []
        var seen: [Int64: String] = [:]
        for file in names.sorted() where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"),
                let version = Int64(stem[..<underscore]), version >= 0,
                stem[..<underscore].allSatisfy(\.isASCII),
                !stem[stem.index(after: underscore)...].isEmpty
            else {
                throw MigrationError(code: .invalidFileName, message: "\(file): expected NNNN_name.sql")
            }
            if let other = seen[version] {
                throw MigrationError(code: .duplicateVersion, message: "\(file) and \(other) share version \(version)")
            }
            seen[version] = file
            let url = directory.appendingPathComponent(file)
            let data: Data
            do {
                let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
                guard size <= maxFileSize else {
                    throw MigrationError(code: .unreadable, message: "\(file) is larger than \(maxFileSize) bytes")
                }
                data = try Data(contentsOf: url)
            } catch let error as MigrationError {
                throw error
            } catch {
                throw MigrationError(code: .unreadable, message: "cannot read \(file): \(error)")
            }
            guard let sql = String(data: data, encoding: .utf8) else {
                throw MigrationError(code: .unreadable, message: "\(file) is not UTF-8")
            }
            migrations.append(Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        return migrations.sorted { $0.version < $1.version }
    }
}
