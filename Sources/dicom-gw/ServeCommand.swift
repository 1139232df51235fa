import ArgumentParser
import Configuration
import Gateway
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway: DICOM listeners (plain and TLS), storage, and what else is configured.",
        discussion: "Options override the configuration file, which overrides the defaults. SIGTERM stops it gracefully."
    )

    @OptionGroup var options: GlobalOptions

    @Option(name: .long, help: "Our AE title (dicom.ae_title).")
    var aeTitle: String?

    @Option(name: .long, help: "Plain DICOM port (dicom.port; 0 picks a free one).")
    var port: Int?

    @Option(name: .long, help: "Address to listen on (dicom.host).")
    var host: String?

    @Option(name: .long, help: "DICOM-TLS port (tls.port).")
    var tlsPort: Int?

    @Option(name: .long, help: "PEM server certificate chain (tls.certificate_file).")
    var tlsCertificate: String?

    @Option(name: .long, help: "PEM private key (tls.key_file).")
    var tlsKey: String?

    @Option(name: .long, help: "PEM CA bundle for client certificates (tls.ca_file).")
    var tlsCA: String?

    @Flag(name: .long, help: "Require a client certificate signed by --tls-ca (mutual TLS).")
    var tlsRequireClientCertificate = false

    @Option(name: .long, help: "Admin HTTP API HOST:PORT (admin.listen).")
    var adminListen: String?

    func run() async throws {
        MallocArenas.limitUnlessConfigured()
        var extra: [String: ConfigValue] = [:]
        if let aeTitle { extra["dicom.ae_title"] = .init(.string(aeTitle), isSecret: false) }
        if let port { extra["dicom.port"] = .init(.int(port), isSecret: false) }
        if let host { extra["dicom.host"] = .init(.string(host), isSecret: false) }
        if let tlsPort { extra["tls.port"] = .init(.int(tlsPort), isSecret: false) }
        if let tlsCertificate { extra["tls.certificate_file"] = .init(.string(tlsCertificate), isSecret: false) }
        if let tlsKey { extra["tls.key_file"] = .init(.string(tlsKey), isSecret: false) }
        if let tlsCA { extra["tls.ca_file"] = .init(.string(tlsCA), isSecret: false) }
        if tlsRequireClientCertificate { extra["tls.require_client_certificate"] = .init(.bool(true), isSecret: false) }
        if let adminListen { extra["admin.listen"] = .init(.string(adminListen), isSecret: false) }
        let configuration = try await options.load(extra: extra)
        let logger = Logger(label: "dicom-gw")
        logger.info(
            "starting",
            metadata: [
                "dicom.ae_title": "\(configuration.dicom.aeTitle)",
                "dicom.port": "\(configuration.dicom.port)",
                "dicom.tls_port": "\(configuration.tls.isEnabled ? String(configuration.tls.port) : "off")",
                "storage.root": "\(configuration.storage.root)",
            ]
        )
        let server = GatewayServer(configuration: configuration, logger: logger)
        try await server.run()
    }
}
