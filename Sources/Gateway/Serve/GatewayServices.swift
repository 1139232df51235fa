import DICOMNetwork
import JobQueue
import PostgresClient
import ServiceLifecycle

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
        // On SIGTERM: stop accepting, answer the objects in flight, then end. The group's
        // maximum graceful shutdown duration bounds the wait by cancelling what is left; an
        // object cut off that way was never acknowledged, so nothing acknowledged is lost.
        do {
            try await withGracefulShutdownHandler {
                try await server.run()
            } onGracefulShutdown: {
                server.shutdownGracefully()
            }
        } catch is CancellationError {
            return
        }
    }
}

/// Runs a service whose way of stopping at shutdown is to be cancelled (or to cancel itself
/// with `cancelWhenGracefulShutdown`): that `CancellationError` is the normal end, not a
/// failure of the group.
struct QuietCancellation<Base: Service>: Service {
    let base: Base

    init(_ base: Base) { self.base = base }

    func run() async throws {
        do {
            try await base.run()
        } catch is CancellationError {
            return
        }
    }
}

/// The job queue's metrics sampler as a service: samples until shutdown.
struct JobMetricsService: Service {
    let sampler: JobMetricsSampler

    func run() async throws {
        await PoolService.untilShutdown { await sampler.run() }
    }
}
