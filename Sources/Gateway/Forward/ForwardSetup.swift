public import Logging
public import PostgresClient

/// Start-up checks of forwarding: configured destinations and routes synced into the
/// database (the file wins, and what it no longer declares is taken out), then a notice
/// when no route is defined (nothing is forwarded).
public enum ForwardSetup {
    /// The audit actor of the sync.
    static let actor = AuditActor.system("config-sync")

    /// Parses the declarations of `forward` and syncs them (``prepare(pool:destinations:routes:logger:)``).
    /// A declaration that does not parse throws before any statement: nothing is synced
    /// and nothing removed, so a typo cannot empty the database.
    /// - Throws: ``ForwardError`` for an unusable declaration, `PostgresError`.
    @discardableResult
    public static func prepare(pool: PostgresPool, forward: ForwardConfiguration, logger: Logger) async throws -> ConfigSyncSummary {
        let destinations = try forward.parsedDestinations()
        let routes = try forward.parsedRoutes()
        return try await prepare(
            pool: pool, destinations: destinations, routes: routes,
            removingUndeclared: (destinations: forward.destinationsDeclared, routes: forward.routesDeclared), logger: logger)
    }

    /// Syncs `destinations` and `routes` (declared in the configuration file) in one
    /// transaction and says whether anything will be forwarded.
    ///
    /// Declared rows are upserted with `source = 'config'`. Config rows the file no longer
    /// declares are taken out: routes removed, destinations removed or, when something is
    /// left on them, retired (``RetiredDestination``). Rows made with the CLI or the API are
    /// never touched. A declared route that still sends to a config destination the file no
    /// longer declares is refused: the whole sync rolls back.
    /// - Parameter removingUndeclared: whether the file has the `forward.destinations` /
    ///   `forward.routes` key at all; without it the config rows of that kind are left as they
    ///   are (a missing or misspelt key declares nothing, and must not take everything out).
    /// - Throws: ``ForwardError`` for an unusable declaration, `PostgresError`; either way
    ///   nothing was changed.
    @discardableResult
    public static func prepare(
        pool: PostgresPool, destinations: [Destination], routes: [Route],
        removingUndeclared: (destinations: Bool, routes: Bool) = (true, true), logger: Logger
    ) async throws -> ConfigSyncSummary {
        let summary = try await pool.withTransaction { connection in
            try await sync(destinations: destinations, routes: routes, removingUndeclared: removingUndeclared, on: connection)
        }
        if !removingUndeclared.destinations || !removingUndeclared.routes {
            let missing = [removingUndeclared.destinations ? nil : "forward.destinations", removingUndeclared.routes ? nil : "forward.routes"]
                .compactMap { $0 }.joined(separator: " and ")
            logger.info("the configuration has no \(missing) key: config rows of that kind are kept as they are (write an empty list to take them all out)")
        }
        // Logged once committed, so a rolled-back sync never reports a removal.
        for name in summary.removedRoutes {
            logger.info("route '\(name)' is no longer declared in the configuration file: removed", metadata: ["forward.route": "\(name)"])
        }
        for name in summary.removedDestinations {
            logger.info("destination '\(name)' is no longer declared in the configuration file: removed",
                        metadata: [ForwardLogKey.destination: "\(name)"])
        }
        for retired in summary.retiredDestinations {
            logger.warning("\(retired.warning)", metadata: [ForwardLogKey.destination: "\(retired.name)"])
        }
        if summary.enabledRoutes.isEmpty {
            logger.notice("no route is defined: received objects are stored but not forwarded (dicom-gw route add)")
        } else {
            logger.info("forwarding with \(summary.enabledRoutes.count) route(s)",
                        metadata: ["forward.routes": "\(summary.enabledRoutes.joined(separator: ","))"])
        }
        return summary
    }

    private static func sync(
        destinations: [Destination], routes: [Route], removingUndeclared: (destinations: Bool, routes: Bool),
        on connection: PostgresConnection
    ) async throws -> ConfigSyncSummary {
        // Two gateways starting at once would otherwise interleave their upserts and removals.
        _ = try await connection.query("SELECT pg_advisory_xact_lock(hashtext('dicom_gw.config_sync'))")
        let declaredDestinations = destinations.map(\.name)
        let undeclared = removingUndeclared.destinations
            ? try await DestinationStore.undeclaredConfig(declared: declaredDestinations, on: connection) : []
        let undeclaredNames = Set(undeclared.map(\.name))
        for route in routes {
            if let gone = route.destinations.first(where: undeclaredNames.contains) {
                throw ForwardError(.invalidArgument, """
                    forward.routes '\(route.name)' sends to destination '\(gone)', which forward.destinations no longer \
                    declares: declare it again or take it out of the route
                    """)
            }
        }
        for var destination in destinations {
            destination.source = "config"
            try await DestinationStore.save(destination, actor: actor, upsert: true, on: connection)
        }
        for var route in routes {
            route.source = "config"
            try await RouteStore.save(route, actor: actor, upsert: true, on: connection)
        }
        var summary = ConfigSyncSummary()
        // Routes first: a destination is removable only once no route sends to it.
        if removingUndeclared.routes {
            summary.removedRoutes = try await RouteStore.removeUndeclared(declared: routes.map(\.name), actor: actor, on: connection)
        }
        if removingUndeclared.destinations {
            (summary.removedDestinations, summary.retiredDestinations) = try await DestinationStore.dropUndeclared(
                undeclared, actor: actor, on: connection)
        }
        // Lanes follow their destinations even when rows were changed behind our back.
        for row in try await connection.query("SELECT \(DestinationStore.columns) FROM dicom_gw.destinations") {
            try await DestinationStore.configureLane(try DestinationStore.decode(row), on: connection)
        }
        summary.enabledRoutes = try await RouteStore.list(on: connection).map(\.route).filter(\.enabled).map(\.name)
        return summary
    }
}
