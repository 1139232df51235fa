import DICOMNetwork
import PostgresClient
public import ServiceLifecycle

/// The connection pool as a service: closes its connections when the group shuts down.
struct PoolService: Service {
    let pool: PostgresPool

    func run() async throws {
        await Self.untilShutdown { try await pool.run() }
    }

    /// Runs `body` until graceful shutdown cancels it; that cancellation is the normal end.
    static func untilShutdown(_ body: @escaping @Sendable () async throws -> Void) async {
        do {
            try await cancelWhenGracefulShutdown { try await body() }
        } catch {
            // Cancellation at shutdown is expected; anything else ends the service the same way.
        }
    }
}

/// The DICOM listeners as a service.
struct DICOMListenerService: Service {
    let server: DICOMServer

    func run() async throws {
        // Until the server can drain gracefully, shutting down cancels it: objects in flight
        // are answered with nothing and never acknowledged, so nothing acknowledged is lost.
        do {
            try await cancelWhenGracefulShutdown { try await server.run() }
        } catch is CancellationError {
            return
        }
    }
}
