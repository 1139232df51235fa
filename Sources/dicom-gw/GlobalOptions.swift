import ArgumentParser
import Configuration
import Foundation
import Gateway
import Logging

/// Options every command that touches the database or the storage tree takes. They have
/// no defaults here: the configuration layers (file, environment, defaults) supply them.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "YAML configuration file (default: none; /etc/dicom-gw/dicom-gw.yaml when installed).")
    var config: String?

    @Option(name: .long, help: "PostgreSQL URL or conninfo (overrides database.url and DICOM_GW_DATABASE_URL).")
    var databaseURL: String?

    @Option(name: .long, help: "Storage root (overrides storage.root).")
    var storageRoot: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    @Option(name: .long, help: "Append log lines to this file instead of standard error (overrides log.file).")
    var logFile: String?

    /// The option values, keyed like the configuration file.
    var overrides: [String: ConfigValue] {
        var values: [String: ConfigValue] = [:]
        if let databaseURL { values["database.url"] = ConfigValue(.string(databaseURL), isSecret: true) }
        if let storageRoot { values["storage.root"] = ConfigValue(.string(storageRoot), isSecret: false) }
        if let logLevel { values["log.level"] = ConfigValue(.string(logLevel), isSecret: false) }
        if let logFile { values["log.file"] = ConfigValue(.string(logFile), isSecret: false) }
        return values
    }

    /// Loads the configuration with these options on top, and bootstraps logging at its level.
    func load(extra: [String: ConfigValue] = [:]) async throws -> GatewayConfiguration {
        let configuration = try await GatewayConfiguration.load(
            file: config,
            overrides: overrides.merging(extra) { _, new in new }
        )
        try LoggingBootstrap.bootstrap(level: configuration.logLevel, file: configuration.logFile)
        let warnings = GatewayConfiguration.environmentWarnings(ProcessInfo.processInfo.environment)
        if !warnings.isEmpty {
            let logger = Logger(label: "dicom-gw.configuration")
            for warning in warnings { logger.warning("\(warning)") }
        }
        return configuration
    }
}
