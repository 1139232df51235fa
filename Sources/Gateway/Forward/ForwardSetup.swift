public import Logging
public import PostgresClient

/// Start-up checks of forwarding: configured destinations and routes synced into the
/// database (the file wins), then a notice when no route is defined (nothing is forwarded).
public enum ForwardSetup {
    /// Syncs `destinations` and `routes` (declared in the configuration file) and says
    /// whether anything will be forwarded.
    /// - Throws: ``ForwardError`` for an unusable declaration, `PostgresError`.
    public static func prepare(
        pool: PostgresPool, destinations: [Destination], routes: [Route], logger: Logger
    ) async throws {
        let destinationStore = DestinationStore(pool: pool)
        for var destination in destinations {
            destination.source = "config"
            try await destinationStore.save(destination, actor: .system("config-sync"), upsert: true)
        }
        let routeStore = RouteStore(pool: pool)
        for var route in routes {
            route.source = "config"
            try await routeStore.save(route, actor: .system("config-sync"), upsert: true)
        }
        // Lanes follow their destinations even when rows were changed behind our back.
        for destination in try await destinationStore.list() {
            try await pool.withConnection { try await DestinationStore.configureLane(destination, on: $0) }
        }
        let enabled = try await routeStore.list().filter(\.enabled)
        if enabled.isEmpty {
            logger.notice("no route is defined: received objects are stored but not forwarded (dicom-gw route add)")
        } else {
            logger.info("forwarding with \(enabled.count) route(s)", metadata: ["forward.routes": "\(enabled.map(\.name).joined(separator: ","))"])
        }
    }
}
