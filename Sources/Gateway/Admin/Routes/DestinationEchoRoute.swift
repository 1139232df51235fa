public import Hummingbird
import Logging

/// `POST /api/v1/destinations/{id}/echo`: a C-ECHO to the destination with its own AE titles
/// and TLS settings, answered as a test result (a failed echo is a 200 with `success: false`).
struct DestinationEchoRoute: Sendable {
    let store: DestinationStore
    let auditLog: AuditLog
    let defaultCallingAETitle: String
    let logger: Logger

    func register(on routes: AdminRouteBuilder) {
        let echo = self
        routes.add(.post, "/api/v1/destinations/{id}/echo", access: .role(.operator)) { _, context in
            let destination = try await DestinationsResource.find(echo.store, context)
            let result = await DestinationEcho.test(
                destination, defaultCallingAETitle: echo.defaultCallingAETitle, logger: echo.logger)
            try await echo.auditLog.record(
                AuditEvent(actor: try context.auditActor(), action: AuditAction.destinationEchoed, objectType: "destination",
                           objectID: destination.name, outcome: result.success ? .success : .failure,
                           details: ["status": .string(result.status ?? ""), "error": .string(result.error ?? "")]))
            return result
        }
    }
}

extension DestinationEcho.Result: ResponseEncodable {}
