import DICOMNetwork
import Logging
import NIOCore

/// A C-ECHO to a destination with its own AE titles and TLS settings and 10-second
/// timeouts, as the API's echo test does; audited by the caller with the same action.
struct ConsoleEcho: Sendable {
    /// What the operator sees.
    struct Result: Sendable {
        let success: Bool
        let status: String?
        let milliseconds: Double
        let error: String?
    }

    let defaultCallingAETitle: String
    let logger: Logger

    func run(_ destination: Destination) async -> Result {
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
            let hex = String(status.rawValue, radix: 16, uppercase: true)
            let code = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            return Result(
                success: status == .success, status: code, milliseconds: elapsed(),
                error: status == .success ? nil : "C-ECHO status \(code)")
        } catch {
            return Result(success: false, status: nil, milliseconds: elapsed(), error: "\(error)")
        }
    }
}
