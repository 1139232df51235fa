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
            return status.description + (status == .success ? " success" : "")
        } catch let error as AssociationError {
            return "failed: \(error)"
        }
    }

    /// The outcome of an echo test, as the API answers it and the console shows it.
    public struct Result: Sendable, Encodable {
        /// Whether the destination answered `0000`.
        public let success: Bool
        /// The C-ECHO status as four hex digits, nil when there was no answer.
        public let status: String?
        /// From the start of the attempt to its result.
        public let milliseconds: Double
        /// What went wrong, nil on success.
        public let error: String?
    }

    /// An echo test for operators: the destination's own AE titles and TLS settings, 10-second
    /// timeouts, and a result (never a thrown error) with how long it took.
    public static func test(_ destination: Destination, defaultCallingAETitle: String, logger: Logger) async -> Result {
        let timeout: Int64 = 10
        let client = DICOMClient(
            configuration: .init(
                callingAETitle: destination.callingAETitle ?? defaultCallingAETitle, calledAETitle: destination.aeTitle,
                timeouts: AssociationTimeouts(
                    artim: .seconds(timeout), acse: .seconds(timeout), dimse: .seconds(timeout), idle: .seconds(timeout)),
                connectTimeout: .seconds(timeout), tls: destination.tlsSettings),
            logger: logger)
        let contexts = [
            DICOMClient.ProposedContext(
                abstractSyntax: NetworkUID.verificationSOPClass,
                transferSyntaxes: [NetworkUID.explicitVRLittleEndian, NetworkUID.implicitVRLittleEndian])
        ]
        let start = ContinuousClock.now
        func elapsed() -> Double {
            let duration = ContinuousClock.now - start
            return Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        }
        do {
            let status = try await client.withAssociation(host: destination.host, port: destination.port, contexts: contexts) {
                try await $0.echo()
            }
            let code = status.description
            return Result(
                success: status == .success, status: code, milliseconds: elapsed(),
                error: status == .success ? nil : "C-ECHO status \(code)")
        } catch {
            return Result(success: false, status: nil, milliseconds: elapsed(), error: "\(error)")
        }
    }
}
