import ArgumentParser
import Foundation
import Gateway
import Logging
import PostgresClient
import Storage

/// `dicom-gw storage …`: inspection and repair of the storage tree.
struct StorageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Check the storage tree against the database.",
        subcommands: [Verify.self]
    )

    /// `dicom-gw storage verify [--checksums] [--repair] [--json]`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Compare the storage tree with the instance rows; optionally repair.",
            discussion: """
                Reports files without rows, rows without files, data set size (and, with \
                --checksums, SHA-256) mismatches, wrong permissions (files 0640, directories \
                0750), state/area mismatches, unexpected entries and stray files in incoming/. \
                --repair indexes orphan files (or quarantines unreadable ones under \
                failed/quarantine/), marks rows whose file is gone as deleted, re-indexes files \
                whose size or checksum differs, fixes modes and removes strays; every repair is \
                audited. Exits 0 when no drift remains, 1 when some does, 2 on an error.
                """
        )

        @OptionGroup var options: GlobalOptions

        @Flag(name: .long, help: "Hash every data set and compare with the recorded SHA-256.")
        var checksums = false

        @Flag(name: .long, help: "Mend what can be mended (audited).")
        var repair = false

        @Flag(name: .long, help: "Print the report as JSON.")
        var json = false

        @Option(name: .long, help: "Files in incoming/ younger than this many seconds are taken as in progress.")
        var incomingGrace: Int64?

        func run() async throws {
            let configuration = try await options.load()
            let logger = Logger(label: "dicom-gw.storage")
            let pool = PostgresPool(
                configuration: .init(
                    url: configuration.database.url, maxConnections: 2,
                    connectTimeout: configuration.database.connectTimeout,
                    applicationName: "dicom-gw storage verify"),
                logger: logger
            )
            let layout = StorageLayout(root: configuration.storage.root)
            var settings = StorageVerifier.Configuration(checksums: checksums, repair: repair)
            if let incomingGrace { settings.incomingGraceSeconds = max(0, incomingGrace) }
            let report: VerifyReport
            do {
                report = try await StorageVerifier(configuration: settings, layout: layout, pool: pool).run()
            } catch {
                await pool.shutdown()
                FileHandle.standardError.write(Data("dicom-gw storage verify: \(error)\n".utf8))
                throw ExitCode(2)
            }
            await pool.shutdown()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                var object = (try? JSONSerialization.jsonObject(with: encoder.encode(report))) as? [String: Any] ?? [:]
                object["remaining"] = report.remaining
                object["storage_root"] = layout.root
                let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                for drift in report.drifts {
                    var line = "\(drift.kind)  \(drift.path)  \(drift.detail)"
                    if let repair = drift.repair { line += "  [\(repair)]" }
                    print(line)
                }
                print("\(report.filesScanned) file(s), \(report.rowsChecked) row(s) checked; \(report.drifts.count) drift(s) found, \(report.remaining) remaining")
            }
            if report.remaining > 0 { throw ExitCode(1) }
        }
    }
}
