import ArgumentParser
import Foundation
import Gateway
import Logging
import PostgresClient

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the pending schema migrations (safe to run from several processes at once).",
        discussion: "Each migration runs in its own transaction under an advisory lock and is recorded in dicom_gw.schema_migrations."
    )

    @OptionGroup var options: GlobalOptions

    @Flag(name: .long, help: "List applied and pending migrations; change nothing.")
    var status = false

    @Option(name: .long, help: "Directory of NNNN_name.sql files (default: found beside the binary or installed).")
    var migrations: String?

    func run() async throws {
        let configuration = try await options.load()
        let logger = Logger(label: "dicom-gw.migrate")
        let directory = try MigrationsDirectory.locate(explicit: migrations)
        let pool = PostgresPool(
            configuration: .init(url: configuration.database.url, maxConnections: 1, connectTimeout: configuration.database.connectTimeout),
            logger: logger
        )
        let runner = MigrationRunner(pool: pool, directory: directory, schema: "dicom_gw", logger: logger)
        do {
            if status {
                let report = try await runner.status()
                for applied in report.applied {
                    let mark = applied.matchesFile ? "applied" : "CHANGED"
                    print("\(mark)  \(String(format: "%04d", applied.version))_\(applied.name)  \(applied.appliedAt)")
                }
                for pending in report.pending {
                    print("pending  \(String(format: "%04d", pending.version))_\(pending.name)")
                }
                print(report.isUpToDate ? "schema is up to date" : "schema is not up to date")
                if !report.isUpToDate { throw ExitCode(3) }
            } else {
                let applied = try await runner.migrate()
                for migration in applied {
                    print("applied  \(String(format: "%04d", migration.version))_\(migration.name)")
                }
                print(applied.isEmpty ? "schema is up to date (nothing to apply)" : "applied \(applied.count) migration(s) from \(directory.path)")
            }
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
    }
}
