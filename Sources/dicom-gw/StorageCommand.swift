import ArgumentParser
import Configuration
import Foundation
import Gateway
import JobQueue
import Logging
import PostgresClient
import Storage

/// `dicom-gw storage …`: inspection and repair of the storage tree.
struct StorageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Check the storage tree against the database; apply retention.",
        subcommands: [Verify.self, Cleanup.self]
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
            // An indexed file gets the forward jobs its receive would have created.
            settings.onIndexed = ForwardHooks(queue: JobQueue(pool: pool, logger: logger))
                .orphanIndexedHook(layout: layout, io: BlockingIO())
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

    /// `dicom-gw storage cleanup [--tmp-days N] [--failed-days N] [--forwarded-days N] [--dry-run] [--json]`.
    struct Cleanup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cleanup",
            abstract: "Remove expired files of tmp/, incoming/, queue/, failed/ and forwarded/ with their rows.",
            discussion: """
                Retention by state: files in tmp/, incoming/ and queue/ not modified for \
                --tmp-days (default 7); objects in failed/ for --failed-days (default 90) and in \
                forwarded/ for --forwarded-days (default 365), counted from when they entered \
                that directory. An object's file goes together with its row, which stays in \
                state 'deleted' with its history; every deletion is audited (storage.cleanup). \
                Nothing in storage/studies/ and nothing with a live forward job is touched. \
                Defaults come from retention.tmp_days, retention.failed_days and \
                retention.forwarded_days (configuration file or DICOM_GW_RETENTION_* variables). \
                Exits 0 when every expired file went, 1 when some could not, 2 on an error.
                """
        )

        @OptionGroup var options: GlobalOptions

        @Option(name: .long, help: "Days before files in tmp/, incoming/ and queue/ expire (at least 1).")
        var tmpDays: Int?

        @Option(name: .long, help: "Days an object stays in failed/.")
        var failedDays: Int?

        @Option(name: .long, help: "Days an object stays in forwarded/.")
        var forwardedDays: Int?

        @Flag(name: .long, help: "List what would be removed; change nothing.")
        var dryRun = false

        @Flag(name: .long, help: "Print the report as JSON.")
        var json = false

        func run() async throws {
            let configuration = try await options.load()
            var settings = StorageCleanup.Configuration(dryRun: dryRun)
            do {
                let retention = try await Self.retentionReader(file: options.config)
                settings.tmpDays = try tmpDays ?? Self.days(retention, "retention.tmp_days") ?? settings.tmpDays
                settings.failedDays = try failedDays ?? Self.days(retention, "retention.failed_days") ?? settings.failedDays
                settings.forwardedDays = try forwardedDays ?? Self.days(retention, "retention.forwarded_days") ?? settings.forwardedDays
            } catch {
                FileHandle.standardError.write(Data("dicom-gw storage cleanup: \(error)\n".utf8))
                throw ExitCode(2)
            }
            let logger = Logger(label: "dicom-gw.storage")
            let pool = PostgresPool(
                configuration: .init(
                    url: configuration.database.url, maxConnections: 2,
                    connectTimeout: configuration.database.connectTimeout,
                    applicationName: "dicom-gw storage cleanup"),
                logger: logger
            )
            let layout = StorageLayout(root: configuration.storage.root)
            let report: CleanupReport
            do {
                report = try await StorageCleanup(configuration: settings, layout: layout, pool: pool, logger: logger).run()
            } catch {
                await pool.shutdown()
                FileHandle.standardError.write(Data("dicom-gw storage cleanup: \(error)\n".utf8))
                throw ExitCode(2)
            }
            await pool.shutdown()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.keyEncodingStrategy = .convertToSnakeCase
                var object = (try? JSONSerialization.jsonObject(with: encoder.encode(report))) as? [String: Any] ?? [:]
                object["removed_files"] = report.removedFiles
                object["removed_bytes"] = report.removedBytes
                object["failures"] = report.failures
                object["storage_root"] = layout.root
                let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                let verb = dryRun ? "would remove" : "removed"
                for entry in report.entries {
                    let what = entry.sopInstanceUID.map { "  instance \($0)" } ?? ""
                    let age = String(format: "%.1f", entry.ageDays)
                    if let error = entry.error {
                        print("FAILED        \(entry.path)  (\(entry.area), \(age) days)\(what): \(error)")
                    } else {
                        print("\(verb.padding(toLength: 13, withPad: " ", startingAt: 0)) \(entry.path)  (\(entry.area), \(age) days, \(entry.sizeBytes) bytes)\(what)")
                    }
                }
                let count = dryRun ? report.entries.count : report.removedFiles
                let bytes = dryRun ? report.entries.reduce(0) { $0 + $1.sizeBytes } : report.removedBytes
                print("\(count) file(s), \(bytes) bytes \(dryRun ? "would be removed" : "removed"); \(report.rowsUpdated) row(s) set deleted; \(report.failures) failure(s) (retention: tmp \(report.tmpDays), failed \(report.failedDays), forwarded \(report.forwardedDays) days)")
            }
            if report.failures > 0 { throw ExitCode(1) }
        }

        /// The environment (`DICOM_GW_RETENTION_…`) over the YAML file, for the retention keys
        /// the gateway's own configuration does not carry.
        static func retentionReader(file: String?) async throws -> ConfigReader {
            var providers: [any ConfigProvider] = [
                EnvironmentVariablesProvider(environmentVariables: ProcessInfo.processInfo.environment).prefixKeys(with: "dicom_gw")
            ]
            if let file {
                let path = ConfigReader(provider: InMemoryProvider(values: ["filePath": ConfigValue(.string(file), isSecret: false)]))
                providers.append(try await FileProvider<YAMLSnapshot>(config: path))
            }
            return ConfigReader(providers: providers)
        }

        /// A whole number of days at `key`, from a YAML integer or an environment string.
        static func days(_ reader: ConfigReader, _ key: String) throws -> Int? {
            if let value = reader.int(forKey: ConfigKey(stringLiteral: key)) { return value }
            guard let text = reader.string(forKey: ConfigKey(stringLiteral: key)) else { return nil }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 0 else {
                throw ValidationError("\(key): '\(text)' is not a number of days")
            }
            return value
        }
    }
}
