import DICOMNetwork
import Logging
import NIOCore

enum TestServer {
    static let storageSOPClasses: Set<String> = [
        "1.2.840.10008.5.1.4.1.1.2",  // CT
        "1.2.840.10008.5.1.4.1.1.4",  // MR
        "1.2.840.10008.5.1.4.1.1.7",  // Secondary Capture
        "1.2.840.10008.5.1.4.1.1.481.2",  // RT Dose
        "1.2.840.10008.5.1.4.1.1.481.5",  // RT Plan
        "1.2.840.10008.5.1.4.1.1.481.3",  // RT Structure Set
        "1.2.840.10008.5.1.4.1.1.88.11",  // Basic Text SR
        "1.2.840.10008.5.1.4.1.1.88.33",  // Comprehensive SR
        "1.2.840.10008.5.1.4.1.1.9.1.1",  // 12-lead ECG
    ]

    static func logger() -> Logger {
        var logger = Logger(label: "test.scp")
        logger.logLevel = .warning
        return logger
    }

    static func configuration(
        aeTitle: String = "GATEWAY",
        timeouts: AssociationTimeouts = AssociationTimeouts(artim: .seconds(5), acse: .seconds(5), dimse: .seconds(10), idle: .seconds(10)),
        maxAssociations: Int = 16,
        tls: TLSSettings? = nil,
        allowedCallers: [AcceptancePolicy.AllowedCaller]? = nil,
        maxPDULength: UInt32 = 65536
    ) -> DICOMServer.Configuration {
        DICOMServer.Configuration(
            host: "127.0.0.1", port: 0, tlsPort: tls == nil ? nil : 0, tls: tls,
            policy: AcceptancePolicy(
                aeTitle: aeTitle, allowedCallers: allowedCallers, abstractSyntaxes: storageSOPClasses,
                maxPDULength: maxPDULength),
            maxAssociations: maxAssociations, timeouts: timeouts)
    }

    /// Runs a server for the duration of `body`.
    static func with<R: Sendable>(
        _ configuration: DICOMServer.Configuration,
        handler: any StoreHandler,
        logger: Logger? = nil,
        _ body: @Sendable (DICOMServer.ListeningPorts) async throws -> R
    ) async throws -> R {
        let server = DICOMServer(configuration: configuration, handler: handler, logger: logger ?? self.logger())
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                try await server.run()
                return nil
            }
            let ports = try await server.listeningPorts()
            do {
                let result = try await body(ports)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}
