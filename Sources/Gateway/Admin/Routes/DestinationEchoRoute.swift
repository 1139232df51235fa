import DICOMNetwork
import Foundation
import Hummingbird
import Logging

/// `POST /api/v1/destinations/{id}/echo`: a C-ECHO to the destination with its own AE titles
/// and TLS settings, answered as a test result (a failed echo is a 200 with `success: false`).
struct DestinationEchoRoute: Sendable {
    struct Result: ResponseEncodable {
        let success: Bool
        let status: String?
        let milliseconds: Double
        let error: String?
    }

    let store: DestinationStore
    let auditLog: AuditLog
    let defaultCallingAETitle: String
    let logger: Logger

    func register(on routes: AdminRouteBuilder) {
        let echo = self
        routes.add(.post, "/api/v1/destinations/{id}/echo", access: .role(.operator)) { _, context in
            let destination = try await DestinationsResource.find(echo.store, context)
            let result = await echo.run(destination)
            try await echo.auditLog.record(
                AuditEvent(actor: try context.auditActor(), action: AuditAction.destinationEchoed, objectType: "destination",
                           objectID: destination.name, outcome: result.success ? .success : .failure,
                           details: ["status": .string(result.status ?? ""), "error": .string(result.error ?? "")]))
            return result
        }
    }

    func run(_ destination: Destination) async -> Result {
        let timeout: Int64 = 10
        let tls = destination.tlsSettings
        let client = DICOMClient(
            configuration: .init(
                callingAETitle: destination.callingAETitle ?? defaultCallingAETitle, calledAETitle: destination.aeTitle,
                timeouts: AssociationTimeouts(
                    artim: .seconds(timeout), acse: .seconds(timeout), dimse: .seconds(timeout), idle: .seconds(timeout)),
                connectTimeout: .seconds(timeout), tls: tls),
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
            return Result(
                success: status == .success, status: String(format: "%04X", status.rawValue), milliseconds: elapsed(),
                error: status == .success ? nil : "C-ECHO status \(String(format: "%04X", status.rawValue))")
        } catch {
            return Result(success: false, status: nil, milliseconds: elapsed(), error: "\(error)")
        }
    }
}
