import ArgumentParser
import Foundation
import Gateway
import Logging
import PostgresClient

struct DestinationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destination",
        abstract: "Manage forward destinations (remote DICOM nodes).",
        subcommands: [Add.self, List.self, Update.self, Remove.self, Echo.self]
    )

    /// Settings shared by add and update; nil leaves a value as it is.
    struct Settings: ParsableArguments {
        @Option(name: .long, help: "The destination's AE title.") var aeTitle: String?
        @Option(name: .long, help: "Host name or address.") var host: String?
        @Option(name: .long, help: "TCP port.") var port: Int?
        @Option(name: .long, help: "Our AE title towards it (default: forward.calling_ae_title).") var callingAETitle: String?
        @Option(name: .long, help: "Associations open at once (default 2).") var maxAssociations: Int?
        @Option(name: .long, help: "Objects per association (default 100).") var maxObjects: Int?
        @Option(name: .long, help: "Attempts before dead-lettering (default 10).") var maxAttempts: Int?
        @Option(name: .long, help: "First retry delay in seconds (default 10).") var retryDelay: Double?
        @Option(name: .long, help: "Consecutive connection failures that pause it (default 3).") var breakerThreshold: Int?
        @Option(name: .long, help: "Seconds the breaker pauses it (default 30).") var breakerPause: Double?
        @Option(name: .long, help: "Use DICOM-TLS (true/false).") var tls: Bool?
        @Option(name: .long, help: "With TLS, check that the peer's certificate names --host (true/false; default true).")
        var tlsVerifyHostname: Bool?
        @Option(name: .long, help: "PEM CA bundle for the peer's certificate.") var tlsCA: String?
        @Option(name: .long, help: "PEM client certificate.") var tlsCertificate: String?
        @Option(name: .long, help: "PEM client key.") var tlsKey: String?
        @Option(name: .long, help: "Enabled (true/false).") var enabled: Bool?
        @Option(name: .long, help: "Paused (true/false): jobs wait.") var paused: Bool?
        @Option(name: .long, help: "Free text.") var description: String?

        func apply(to d: inout Destination) {
            if let aeTitle { d.aeTitle = aeTitle }
            if let host { d.host = host }
            if let port { d.port = port }
            if let callingAETitle { d.callingAETitle = callingAETitle }
            if let maxAssociations { d.maxAssociations = maxAssociations }
            if let maxObjects { d.maxObjectsPerAssociation = maxObjects }
            if let maxAttempts { d.maxAttempts = maxAttempts }
            if let retryDelay { d.retryInitialDelay = retryDelay }
            if let breakerThreshold { d.breakerThreshold = breakerThreshold }
            if let breakerPause { d.breakerPause = breakerPause }
            if let tls { d.tlsEnabled = tls }
            if let tlsVerifyHostname { d.tlsVerifyHostname = tlsVerifyHostname }
            if let tlsCA { d.tlsCAFile = tlsCA }
            if let tlsCertificate { d.tlsCertificateFile = tlsCertificate }
            if let tlsKey { d.tlsKeyFile = tlsKey }
            if let enabled { d.enabled = enabled }
            if let paused { d.paused = paused }
            if let description { d.description = description }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a destination.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Its name.") var name: String
        @OptionGroup var settings: Settings

        func run() async throws {
            guard let ae = settings.aeTitle, let host = settings.host, let port = settings.port else {
                throw ValidationError("--ae-title, --host and --port are required")
            }
            var d = Destination(name: name, aeTitle: ae, host: host, port: port)
            settings.apply(to: &d)
            let destination = d
            let saved = try await options.withPool { pool in
                try await DestinationStore(pool: pool).save(destination, actor: .user(CLIUser.name))
            }
            print("added destination \(saved.name) (id \(saved.id))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List destinations.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let all = try await options.withPool { try await DestinationStore(pool: $0).list() }
            print("NAME\tAE\tADDRESS\tASSOC\tOBJECTS\tATTEMPTS\tSTATE\tSOURCE")
            for d in all {
                let state = !d.enabled ? "disabled" : d.paused ? "paused" : "enabled"
                print("\(d.name)\t\(d.aeTitle)\t\(d.host):\(d.port)\(d.tlsEnabled ? (d.tlsVerifyHostname ? " (TLS)" : " (TLS, host name not verified)") : "")\t\(d.maxAssociations)\t\(d.maxObjectsPerAssociation)\t\(d.maxAttempts)\t\(state)\t\(d.source)")
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a destination's settings.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Its name.") var name: String
        @OptionGroup var settings: Settings

        func run() async throws {
            try await options.withPool { pool in
                let store = DestinationStore(pool: pool)
                guard var d = try await store.find(name: name) else { throw ValidationError("no destination named '\(name)'") }
                settings.apply(to: &d)
                try await store.update(d, actor: .user(CLIUser.name))
            }
            print("updated destination \(name)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a destination (its waiting jobs are cancelled).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Its name.") var name: String

        func run() async throws {
            try await options.withPool { try await DestinationStore(pool: $0).remove(name: name, actor: .user(CLIUser.name)) }
            print("removed destination \(name)")
        }
    }

    struct Echo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "C-ECHO a destination with its stored settings.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Its name.") var name: String

        func run() async throws {
            let configuration = try await options.load()
            let result = try await options.withPool { pool in
                guard let d = try await DestinationStore(pool: pool).find(name: name) else {
                    throw ValidationError("no destination named '\(name)'")
                }
                return try await DestinationEcho.echo(d, callingAETitle: configuration.forward.settings.callingAETitle,
                                                      logger: Logger(label: "dicom-gw.destination"))
            }
            print("\(name): \(result)")
            if !result.hasPrefix("0000") { throw ExitCode(1) }
        }
    }
}

/// Who runs the CLI, for the audit log.
enum CLIUser {
    static var name: String {
        ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? "cli"
    }
}

extension GlobalOptions {
    /// Runs `body` with a small pool on the configured database, then shuts it down.
    func withPool<T: Sendable>(_ body: @Sendable (PostgresPool) async throws -> T) async throws -> T {
        let configuration = try await load()
        let pool = PostgresPool(
            configuration: .init(url: configuration.database.url, maxConnections: 2, connectTimeout: configuration.database.connectTimeout),
            logger: Logger(label: "dicom-gw.cli"))
        do {
            let value = try await body(pool)
            await pool.shutdown()
            return value
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}
