public import Configuration
import Foundation
import Logging
import SystemPackage

extension GatewayConfiguration {
    /// Reads the configuration from, highest priority first, `overrides` (the command
    /// line's options), the environment (`DICOM_GW_…`), the YAML file at `file`, then the
    /// defaults.
    ///
    /// - Parameters:
    ///   - file: The YAML file; nil reads none. A named file that does not exist is an error.
    ///   - overrides: Values from command-line options, keyed like the file (`dicom.port`).
    ///   - environment: The environment; nil reads the process's (tests supply their own).
    /// - Throws: ``ConfigurationError`` naming the key when a value is present but invalid,
    ///   or the file cannot be read.
    public static func load(
        file: String?,
        overrides: [String: ConfigValue] = [:],
        environment: [String: String]? = nil
    ) async throws -> GatewayConfiguration {
        var providers: [any ConfigProvider] = []
        providers.append(
            InMemoryProvider(
                name: "command line",
                values: Dictionary(
                    uniqueKeysWithValues: overrides.map { (AbsoluteConfigKey(stringLiteral: $0.key), $0.value) }
                )
            )
        )
        providers.append(
            EnvironmentVariablesProvider(
                environmentVariables: environment ?? ProcessInfo.processInfo.environment,
                secretsSpecifier: .specific(["DICOM_GW_DATABASE_URL"]),
                // Not the comma: list entries themselves hold commas (`AE@addr1,addr2`, `to=a,b`).
                arraySeparator: ";"
            ).prefixKeys(with: "dicom_gw")
        )
        if let file {
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(file)))
            } catch {
                throw ConfigurationError(key: "config", message: "cannot read \(file): \(error)")
            }
            try checkKeys(file: file)
        }
        return try GatewayConfiguration(reader: ConfigReader(providers: providers))
    }

    /// Warnings for `environment` variables named like a configuration key of a known
    /// section (`DICOM_GW_FORWARD_…`) that are not one: a misspelt variable is otherwise
    /// ignored in silence. Warnings, not errors, because the prefix is shared with variables
    /// that are not configuration (the scripts' own); the commands log them at start.
    public static func environmentWarnings(_ environment: [String: String]) -> [String] {
        ConfigurationKeys.unknownEnvironment(environment).map { found in
            "environment variable \(found.name) is not a configuration setting and is ignored"
                + (found.suggestion.map { " (did you mean \($0)?)" } ?? "")
        }
    }

    /// Refuses a file holding keys that are not ours (a misspelt key would otherwise be
    /// ignored and its default used in silence; see ``ConfigurationKeys``).
    /// - Throws: ``ConfigurationError`` naming each unknown key, its line and the closest known key.
    static func checkKeys(file: String) throws {
        // Read again as text (the provider parsed it already, so it exists and is YAML).
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            return
        }
        let unknown = ConfigurationKeys.unknown(in: text)
        guard let first = unknown.first else { return }
        if unknown.count == 1 {
            throw ConfigurationError(key: first.key, message: "unknown key in \(file), line \(first.line)\(first.hint)")
        }
        throw ConfigurationError(
            key: "config", message: "unknown keys in \(file): \(unknown.map(\.description).joined(separator: ", "))")
    }

    /// Builds the configuration from an already assembled reader.
    public init(reader: ConfigReader) throws {
        self.init()
        let values = ConfigValues(reader: reader)

        database.url = values.string("database.url", secret: true) ?? database.url
        database.maxConnections = try values.int("database.max_connections", in: 1...512) ?? database.maxConnections
        database.connectTimeout = try values.seconds("database.connect_timeout") ?? database.connectTimeout

        storage.root = values.string("storage.root") ?? storage.root
        storage.serviceUser = values.string("storage.service_user") ?? storage.serviceUser
        if let name = values.string("storage.duplicate_policy") {
            guard let policy = DuplicatePolicy(name: name) else {
                throw ConfigurationError(
                    key: "storage.duplicate_policy",
                    message: "'\(name)' is not one of \(DuplicatePolicy.all.map(\.description).joined(separator: ", "))"
                )
            }
            storage.duplicatePolicy = policy
        }

        dicom.aeTitle = try values.aeTitle("dicom.ae_title") ?? dicom.aeTitle
        dicom.host = values.string("dicom.host") ?? dicom.host
        dicom.port = try values.int("dicom.port", in: 0...65535) ?? dicom.port
        dicom.allowedCallingAETitles = values.strings("dicom.allowed_calling_ae_titles") ?? dicom.allowedCallingAETitles
        dicom.maxAssociations = try values.int("dicom.max_associations", in: 1...4096) ?? dicom.maxAssociations
        dicom.maxPDULength = try values.int("dicom.max_pdu_length", in: 4096...16_777_216) ?? dicom.maxPDULength
        dicom.artimTimeout = try values.seconds("dicom.artim_timeout") ?? dicom.artimTimeout
        dicom.dimseTimeout = try values.seconds("dicom.dimse_timeout") ?? dicom.dimseTimeout
        dicom.idleTimeout = try values.seconds("dicom.idle_timeout") ?? dicom.idleTimeout

        tls.port = try values.int("tls.port", in: 0...65535) ?? tls.port
        tls.certificateFile = values.string("tls.certificate_file") ?? tls.certificateFile
        tls.keyFile = values.string("tls.key_file") ?? tls.keyFile
        tls.caFile = values.string("tls.ca_file") ?? tls.caFile
        tls.requireClientCertificate = values.bool("tls.require_client_certificate") ?? tls.requireClientCertificate
        if (tls.certificateFile == nil) != (tls.keyFile == nil) {
            throw ConfigurationError(key: "tls", message: "tls.certificate_file and tls.key_file go together")
        }
        if tls.requireClientCertificate && tls.caFile == nil {
            throw ConfigurationError(key: "tls.require_client_certificate", message: "needs tls.ca_file to verify clients against")
        }
        if tls.caFile != nil && tls.certificateFile == nil {
            // On its own it would do nothing: there is no TLS listener to verify clients on.
            throw ConfigurationError(key: "tls.ca_file", message: "needs tls.certificate_file and tls.key_file (the TLS listener)")
        }
        dicom.plainEnabled = values.bool("dicom.plain_enabled") ?? dicom.plainEnabled
        if !dicom.plainEnabled && tls.certificateFile == nil {
            throw ConfigurationError(key: "dicom.plain_enabled", message: "false needs the TLS listener (tls.certificate_file and tls.key_file), or nothing would listen")
        }

        admin.listen = values.string("admin.listen") ?? admin.listen
        admin.tlsCertificateFile = values.string("admin.tls_certificate_file") ?? admin.tlsCertificateFile
        admin.tlsKeyFile = values.string("admin.tls_key_file") ?? admin.tlsKeyFile
        if (admin.tlsCertificateFile == nil) != (admin.tlsKeyFile == nil) {
            // Half a pair would otherwise leave the console on plain HTTP without a word.
            throw ConfigurationError(key: "admin", message: "admin.tls_certificate_file and admin.tls_key_file go together")
        }
        admin.secureCookies = values.bool("admin.secure_cookies") ?? admin.secureCookies

        workers.count = try values.int("workers.count", in: 0...256) ?? workers.count
        if let listen = values.string("workers.metrics_listen") {
            if listen.lowercased() == "off" {
                // Lets one instance's environment or option override a file that sets it.
                workers.metricsListen = nil
            } else {
                workers.metricsListen = try MetricsServer.Configuration(listen: listen, key: "workers.metrics_listen").description
            }
        }

        // Forwarding (Sources/Gateway/Forward).
        forward.settings.callingAETitle = try values.aeTitle("forward.calling_ae_title") ?? dicom.aeTitle
        forward.settings.batchSize = try values.int("forward.batch_size", in: 1...1000) ?? forward.settings.batchSize
        forward.settings.rescueSilence = try values.seconds("forward.rescue_silence") ?? forward.settings.rescueSilence
        forward.settings.rescueInterval = try values.seconds("forward.rescue_interval") ?? forward.settings.rescueInterval
        forward.settings.connectTimeout = try values.seconds("forward.connect_timeout") ?? forward.settings.connectTimeout
        forward.settings.networkTimeout = try values.seconds("forward.network_timeout") ?? forward.settings.networkTimeout
        forward.settings.pollInterval = try values.seconds("forward.poll_interval") ?? forward.settings.pollInterval
        forward.settings.batchLinger =
            try values.seconds("forward.batch_linger", allowingZero: true, atMost: ForwardSettings.maxBatchLinger)
            ?? forward.settings.batchLinger
        let keepAll = ForwardSettings.keepAllJobHistory
        if let days = try values.days("forward.job_history_days", in: 1...ForwardSettings.maxJobHistoryDays, unlimited: keepAll) {
            forward.settings.jobHistoryDays = days.limit
        }
        let declaredDestinations = values.strings("forward.destinations")
        let declaredRoutes = values.strings("forward.routes")
        forward.destinations = declaredDestinations ?? forward.destinations
        forward.routes = declaredRoutes ?? forward.routes
        forward.destinationsDeclared = declaredDestinations != nil
        forward.routesDeclared = declaredRoutes != nil

        if let level = values.string("log.level") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError(key: "log.level", message: "'\(level)' is not a log level (trace, debug, info, notice, warning, error, critical)")
            }
            logLevel = parsed
        }
        if let file = values.string("log.file"), !file.isEmpty {
            logFile = file
        }
    }
}

/// A configuration value that is present but unusable.
public struct ConfigurationError: Error, CustomStringConvertible {
    /// The key, as written in the YAML file.
    public var key: String
    /// What is wrong with it.
    public var message: String

    public var description: String { "configuration \(key): \(message)" }
}

/// Typed, validated reads over a `ConfigReader`. Values arrive as strings from the
/// environment and as typed scalars from YAML, so each read accepts both.
private struct ConfigValues {
    let reader: ConfigReader

    func string(_ key: String, secret: Bool = false) -> String? {
        guard let value = reader.string(forKey: ConfigKey(stringLiteral: key), isSecret: secret) else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        let configKey = ConfigKey(stringLiteral: key)
        let value: Int
        if let number = reader.int(forKey: configKey) {
            value = number
        } else if let text = string(key) {
            guard let number = Int(text) else {
                throw ConfigurationError(key: key, message: "'\(text)' is not a whole number")
            }
            value = number
        } else {
            return nil
        }
        guard range.contains(value) else {
            throw ConfigurationError(key: key, message: "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A number of seconds, decimals allowed: greater than 0 (or 0 too, `allowingZero`) and
    /// at most `atMost` (a day unless said otherwise).
    func seconds(_ key: String, allowingZero: Bool = false, atMost: Duration = .seconds(86_400)) throws -> Duration? {
        let configKey = ConfigKey(stringLiteral: key)
        let number: Double
        if let value = reader.double(forKey: configKey) {
            number = value
        } else if let value = reader.int(forKey: configKey) {
            number = Double(value)
        } else if let text = string(key) {
            guard let value = Double(text) else {
                throw ConfigurationError(key: key, message: "'\(text)' is not a number of seconds")
            }
            number = value
        } else {
            return nil
        }
        let limit = Double(atMost.components.seconds) + Double(atMost.components.attoseconds) / 1e18
        guard (allowingZero ? number >= 0 : number > 0), number <= limit else {
            let lower = allowingZero ? "[0" : "(0"
            let upper = limit == limit.rounded() ? String(Int(limit)) : String(limit)
            throw ConfigurationError(key: key, message: "\(number) s is outside \(lower), \(upper)]")
        }
        return .milliseconds(Int64((number * 1000).rounded()))
    }

    /// A retention in whole days, or no limit.
    struct Days {
        /// nil: keep everything.
        var limit: Int?
    }

    /// Whole days within `range`, or the word `unlimited` (any case) for no limit; nil when
    /// the key is absent. 0 is not taken to mean "forever": elsewhere (`retention.*_days`)
    /// it means "at once", so the word is required.
    func days(_ key: String, in range: ClosedRange<Int>, unlimited word: String) throws -> Days? {
        if let text = string(key), text.lowercased() == word { return Days(limit: nil) }
        do {
            return try int(key, in: range).map { Days(limit: $0) }
        } catch let error as ConfigurationError {
            throw ConfigurationError(
                key: key,
                message: "\(error.message) (expected whole days, \(range.lowerBound)...\(range.upperBound), or '\(word)' to keep everything)")
        }
    }

    func bool(_ key: String) -> Bool? {
        reader.bool(forKey: ConfigKey(stringLiteral: key))
    }

    func strings(_ key: String) -> [String]? {
        reader.stringArray(forKey: ConfigKey(stringLiteral: key))?
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    func aeTitle(_ key: String) throws -> String? {
        guard let title = string(key) else { return nil }
        let valid = title.utf8.count <= 16 && title.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x5C }
        guard valid else {
            throw ConfigurationError(key: key, message: "'\(title)' is not an AE title (1-16 printable ASCII characters, no backslash)")
        }
        return title
    }
}
