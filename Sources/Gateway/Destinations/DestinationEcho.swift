import DICOMNetwork
public import Logging
import NIOCore

/// C-ECHO towards a destination with its stored settings.
public enum DestinationEcho {
    /// Opens an association to `destination`, sends C-ECHO, releases.
    /// - Returns: the status as four hex digits, or the failure.
    public static func echo(_ destination: Destination, callingAETitle: String, logger: Logger) async throws -> String {
        let client = DICOMClient(
            configuration: .init(callingAETitle: destination.callingAETitle ?? callingAETitle, calledAETitle: destination.aeTitle,
                                 tls: destination.tlsSettings),
            logger: logger)
        do {
            let status = try await client.withAssociation(
                host: destination.host, port: destination.port,
                contexts: [.init(abstractSyntax: "1.2.840.10008.1.1", transferSyntaxes: ["1.2.840.10008.1.2"])]
            ) { try await $0.echo() }
            return ForwardHandler.hex(status) + (status == .success ? " success" : "")
        } catch let error as AssociationError {
            return "failed: \(error)"
        }
    }
}
