import Foundation
import Gateway
import Logging
import PostgresClient
import TestSupport
import Testing

/// The start-up sync of `forward.destinations` / `forward.routes` taking out what the file
/// no longer declares, on a real PostgreSQL (a fresh database per test).
@Suite("Config sync: what the file no longer declares", .requiresDatabase)
struct ConfigSyncRemovalTests {
    static let pacs = "name=pacs ae_title=PACS host=10.1.2.3 port=104"
    static let archive = "name=archive ae_title=ARCH host=10.1.2.4 port=104"
    static let shared = "name=shared ae_title=SHARED host=10.1.2.5 port=104"

    static func forward(_ destinations: [String], _ routes: [String]) -> ForwardConfiguration {
        var forward = ForwardConfiguration()
        forward.destinations = destinations
        forward.routes = routes
        // As the loader sets them for a file with both keys.
        forward.destinationsDeclared = true
        forward.routesDeclared = true
        return forward
    }

    static func routeNames(_ pool: PostgresPool) async throws -> [String] {
        try await RouteStore(pool: pool).list().map(\.name).sorted()
    }

    static func destinationNames(_ pool: PostgresPool) async throws -> [String] {
        try await DestinationStore(pool: pool).list().map(\.name)
    }

    /// `action object_id actor` of the audit events since `after`, oldest first.
    static func audit(_ pool: PostgresPool, after: Int64 = 0) async throws -> [String] {
        try await pool.query("""
            SELECT action || ' ' || object_id || ' ' || actor AS line FROM dicom_gw.audit_events
            WHERE id > $1 AND object_type IN ('destination', 'route') ORDER BY id
            """, [after]).map { try $0.decode(String.self, column: "line") }
    }

    /// Syncs pacs and archive with the routes ct (to pacs) and mr (to archive); returns the
    /// last audit id after it.
    static func seedTwoRoutes(_ pool: PostgresPool, logger: Logger) async throws -> Int64 {
        try await ForwardSetup.prepare(
            pool: pool, forward: forward([pacs, archive], ["name=ct to=pacs", "name=mr to=archive"]), logger: logger)
        return try await lastAuditID(pool)
    }

    static func lastAuditID(_ pool: PostgresPool) async throws -> Int64 {
        try await pool.query("SELECT coalesce(max(id), 0) AS id FROM dicom_gw.audit_events").first?.decode(Int64.self, column: "id") ?? 0
    }

    @Test("a route or destination taken out of the file is removed at the next sync, logged and audited; CLI-made ones stay")
    func removesUndeclared() async throws {
        try await AdminTestDatabase.with { pool in
            let capture = LogCapture()
            let destinations = DestinationStore(pool: pool)
            try await destinations.save(Destination(name: "cli-dest", aeTitle: "CLI", host: "10.9.9.9", port: 104), actor: .user("admin"))
            try await RouteStore(pool: pool).save(Route(name: "cli-route", destinations: ["cli-dest"]), actor: .user("admin"))

            let full = Self.forward([Self.pacs, Self.archive], ["name=ct to=pacs modality=CT", "name=mr to=archive modality=MR",
                                                                  "name=viacli to=cli-dest modality=US"])
            var summary = try await ForwardSetup.prepare(pool: pool, forward: full, logger: capture.logger)
            #expect(summary.removedRoutes.isEmpty && summary.removedDestinations.isEmpty && summary.retiredDestinations.isEmpty)
            #expect(try await Self.routeNames(pool) == ["cli-route", "ct", "mr", "viacli"])

            // The same file again changes nothing but the sync's own upserts.
            summary = try await ForwardSetup.prepare(pool: pool, forward: full, logger: capture.logger)
            #expect(summary.removedRoutes.isEmpty && summary.removedDestinations.isEmpty)

            // One route out of the file: its row goes, the others stay.
            var mark = try await Self.lastAuditID(pool)
            summary = try await ForwardSetup.prepare(
                pool: pool, forward: Self.forward([Self.pacs, Self.archive], ["name=ct to=pacs modality=CT", "name=viacli to=cli-dest"]),
                logger: capture.logger)
            #expect(summary.removedRoutes == ["mr"])
            #expect(try await Self.routeNames(pool) == ["cli-route", "ct", "viacli"])
            #expect(try await Self.audit(pool, after: mark).filter { $0.hasPrefix("route.remove") } == ["route.remove mr config-sync"])
            #expect(capture.lines.contains("info route 'mr' is no longer declared in the configuration file: removed"), "\(capture.lines)")

            // A destination with nothing on it out of the file: removed as the CLI does.
            mark = try await Self.lastAuditID(pool)
            summary = try await ForwardSetup.prepare(
                pool: pool, forward: Self.forward([Self.pacs], ["name=ct to=pacs modality=CT", "name=viacli to=cli-dest"]),
                logger: capture.logger)
            #expect(summary.removedDestinations == ["archive"])
            #expect(summary.retiredDestinations.isEmpty)
            #expect(try await destinations.find(name: "archive") == nil)
            #expect(try await Self.audit(pool, after: mark).filter { $0.hasPrefix("destination.remove") }
                == ["destination.remove archive config-sync"])
            #expect(capture.lines.contains("info destination 'archive' is no longer declared in the configuration file: removed"))

            // An empty file takes out every config row and no CLI-made one.
            summary = try await ForwardSetup.prepare(pool: pool, forward: Self.forward([], []), logger: capture.logger)
            #expect(summary.removedRoutes == ["ct", "viacli"])
            #expect(summary.removedDestinations == ["pacs"])
            #expect(try await Self.routeNames(pool) == ["cli-route"])
            #expect(try await Self.destinationNames(pool) == ["cli-dest"])
            #expect(try await destinations.find(name: "cli-dest")?.source == "operator")
            #expect(summary.enabledRoutes == ["cli-route"])
        }
    }

    @Test("a dropped destination with jobs, deliveries or a CLI route is kept disabled and paused, handed to the operator")
    func retiresDestinationsWithSomethingLeft() async throws {
        try await AdminTestDatabase.with { pool in
            let capture = LogCapture()
            let store = DestinationStore(pool: pool)
            try await ForwardSetup.prepare(
                pool: pool, forward: Self.forward([Self.pacs, Self.archive, Self.shared], ["name=ct to=pacs,archive"]),
                logger: capture.logger)
            let pacs = try #require(try await store.find(name: "pacs"))
            let archive = try #require(try await store.find(name: "archive"))
            // A waiting forward job towards pacs, a delivery record of archive, a CLI route to shared.
            _ = try await pool.query("INSERT INTO dicom_gw.jobs (queue, lane, kind) VALUES ('forward', $1, 'forward')", [pacs.lane])
            _ = try await pool.query("""
                WITH st AS (INSERT INTO dicom_gw.studies (study_instance_uid) VALUES ('1.2.3') RETURNING id),
                     se AS (INSERT INTO dicom_gw.series (study_id, series_instance_uid) SELECT id, '1.2.3.4' FROM st RETURNING id, study_id),
                     i AS (INSERT INTO dicom_gw.instances (series_id, study_id, sop_instance_uid, sop_class_uid, transfer_syntax_uid,
                                                           file_path, size_bytes, sha256)
                           SELECT id, study_id, '1.2.3.4.5', '1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.1.2.1', 'x.dcm', 1,
                                  sha256('x'::bytea) FROM se RETURNING id)
                INSERT INTO dicom_gw.deliveries (instance_id, destination_id, state) SELECT id, $1, 'delivered' FROM i
                """, [archive.id])
            try await RouteStore(pool: pool).save(Route(name: "cli", destinations: ["shared"]), actor: .user("admin"))

            let mark = try await Self.lastAuditID(pool)
            let summary = try await ForwardSetup.prepare(pool: pool, forward: Self.forward([], []), logger: capture.logger)
            #expect(summary.removedRoutes == ["ct"])
            #expect(summary.removedDestinations.isEmpty)
            #expect(summary.retiredDestinations == [
                RetiredDestination(name: "archive", liveJobs: 0, deliveries: 1, routes: []),
                RetiredDestination(name: "pacs", liveJobs: 1, deliveries: 0, routes: []),
                RetiredDestination(name: "shared", liveJobs: 0, deliveries: 0, routes: ["cli"]),
            ])
            for name in ["archive", "pacs", "shared"] {
                let row = try #require(try await store.find(name: name))
                #expect(!row.enabled && row.paused && row.source == "operator", "\(name)")
            }
            #expect(try await pool.query("SELECT count(*) AS n FROM dicom_gw.jobs WHERE lane = $1", [pacs.lane])
                .first?.decode(Int64.self, column: "n") == 1, "the job is held, not cancelled")
            #expect(try await pool.query("SELECT pause_reason FROM dicom_gw.job_lanes WHERE lane = $1 AND paused_until = 'infinity'",
                                         [pacs.lane]).first?.decode(String?.self, column: "pause_reason") == "paused by operator")
            #expect(try await pool.query("SELECT count(*) AS n FROM dicom_gw.deliveries WHERE destination_id = $1", [archive.id])
                .first?.decode(Int64.self, column: "n") == 1, "the delivery record stays")
            #expect(try await Self.audit(pool, after: mark).filter { $0.hasPrefix("destination.") } == [
                "destination.retire archive config-sync", "destination.retire pacs config-sync", "destination.retire shared config-sync",
            ])
            let warnings = capture.lines.filter { $0.hasPrefix("warning ") }
            #expect(warnings.count == 3, "\(capture.lines)")
            #expect(warnings.contains { $0.contains("'pacs'") && $0.contains("1 waiting or running job(s)")
                && $0.contains("dicom-gw destination update pacs --paused false") && $0.contains("dicom-gw destination remove pacs") })
            #expect(warnings.contains { $0.contains("'archive'") && $0.contains("1 delivery record(s)") })
            #expect(warnings.contains { $0.contains("'shared'") && $0.contains("dicom-gw route remove cli") })

            // Handed over: the next start leaves them alone (no second warning, no audit).
            let again = try await ForwardSetup.prepare(pool: pool, forward: Self.forward([], []), logger: capture.logger)
            #expect(again.retiredDestinations.isEmpty && again.removedDestinations.isEmpty)
            #expect(capture.lines.filter { $0.hasPrefix("warning ") }.count == 3)

            // Declared again, one comes back to life; the operator finishes another with the CLI's call.
            try await ForwardSetup.prepare(pool: pool, forward: Self.forward([Self.pacs], []), logger: capture.logger)
            let back = try #require(try await store.find(name: "pacs"))
            #expect(back.enabled && !back.paused && back.source == "config")
            #expect(try await pool.query("SELECT paused_until FROM dicom_gw.job_lanes WHERE lane = $1", [pacs.lane])
                .first?.decode(Date?.self, column: "paused_until") == nil)
            try await store.remove(name: "archive", actor: .user("admin"))
            #expect(try await store.find(name: "archive") == nil)
        }
    }

    @Test("a declared route still sending to a dropped destination refuses the whole sync")
    func danglingRouteRefused() async throws {
        try await AdminTestDatabase.with { pool in
            let capture = LogCapture()
            let mark = try await Self.seedTwoRoutes(pool, logger: capture.logger)
            // pacs out of the file while ct still names it; mr out too; a new destination added.
            let error = await #expect(throws: ForwardError.self) {
                try await ForwardSetup.prepare(
                    pool: pool, forward: Self.forward([Self.archive, Self.shared], ["name=ct to=pacs"]), logger: capture.logger)
            }
            #expect(error?.message.contains("'ct'") == true && error?.message.contains("'pacs'") == true, "\(String(describing: error))")
            #expect(try await Self.routeNames(pool) == ["ct", "mr"], "nothing removed")
            #expect(try await Self.destinationNames(pool) == ["archive", "pacs"], "nothing added either: one transaction")
            #expect(try await Self.audit(pool, after: mark).isEmpty)

            // A failure late in the sync (a route to a destination nobody knows) rolls back too.
            await #expect(throws: ForwardError.self) {
                try await ForwardSetup.prepare(
                    pool: pool, forward: Self.forward([Self.pacs, Self.archive, Self.shared], ["name=ct to=nowhere"]), logger: capture.logger)
            }
            #expect(try await Self.routeNames(pool) == ["ct", "mr"])
            #expect(try await Self.destinationNames(pool) == ["archive", "pacs"])
            #expect(try await Self.audit(pool, after: mark).isEmpty)
        }
    }

    @Test("a declaration that does not parse syncs and removes nothing")
    func parseErrorRemovesNothing() async throws {
        try await AdminTestDatabase.with { pool in
            let capture = LogCapture()
            let mark = try await Self.seedTwoRoutes(pool, logger: capture.logger)
            for broken in [
                Self.forward([Self.pacs, "name=archive ae_title=ARCH host=h port=104 bogus=1"], ["name=ct to=pacs"]),
                Self.forward([Self.pacs], ["name=ct to=pacs mode=sometimes"]),
                Self.forward([Self.pacs], ["to=pacs modality=CT"]),
                Self.forward([], ["name=ct to=pacs NoSuchKeyword=1"]),
            ] {
                await #expect(throws: ForwardError.self) {
                    try await ForwardSetup.prepare(pool: pool, forward: broken, logger: capture.logger)
                }
                #expect(try await Self.routeNames(pool) == ["ct", "mr"])
                #expect(try await Self.destinationNames(pool) == ["archive", "pacs"])
            }
            #expect(try await Self.audit(pool, after: mark).isEmpty)
            #expect(!capture.lines.contains { $0.contains("removed") })
        }
    }

    @Test("a file without the forward.routes or forward.destinations key keeps the config rows of that kind; an empty list takes them out")
    func missingKeyRemovesNothing() async throws {
        func load(_ yaml: String) async throws -> ForwardConfiguration {
            try await TemporaryYAML.load(yaml).forward
        }
        try await AdminTestDatabase.with { pool in
            let capture = LogCapture()
            let full = try await load("""
                forward:
                  destinations:
                    - "\(Self.pacs)"
                  routes:
                    - "name=ct to=pacs modality=CT"
                """)
            #expect(full.destinationsDeclared && full.routesDeclared)
            try await ForwardSetup.prepare(pool: pool, forward: full, logger: capture.logger)
            // The section misspelt: the file is refused (ConfigurationKeys), before anything runs.
            await #expect(throws: ConfigurationError.self) {
                _ = try await load("""
                    foward:
                      routes:
                        - "name=ct to=pacs modality=CT"
                    """)
            }
            // No forward section at all: nothing is declared, and nothing is taken out.
            let absent = try await load("dicom:\n  port: 11112\n")
            #expect(!absent.destinationsDeclared && !absent.routesDeclared)
            let kept = try await ForwardSetup.prepare(pool: pool, forward: absent, logger: capture.logger)
            #expect(kept.removedRoutes.isEmpty && kept.removedDestinations.isEmpty && kept.retiredDestinations.isEmpty)
            #expect(try await Self.routeNames(pool) == ["ct"])
            #expect(try await Self.destinationNames(pool) == ["pacs"])
            #expect(capture.lines.contains { $0.contains("no forward.destinations and forward.routes key") })
            // An explicit empty list of routes does take the route out (the destination key is absent: kept).
            let empty = try await load("forward:\n  routes: []\n")
            #expect(empty.routesDeclared && !empty.destinationsDeclared)
            let summary = try await ForwardSetup.prepare(pool: pool, forward: empty, logger: capture.logger)
            #expect(summary.removedRoutes == ["ct"])
            #expect(try await Self.routeNames(pool).isEmpty)
            #expect(try await Self.destinationNames(pool) == ["pacs"])
        }
    }

    @Test("the retirement warning names what is left and the commands that finish it")
    func warningText() {
        let jobs = RetiredDestination(name: "pacs", liveJobs: 12, deliveries: 3400, routes: []).warning
        #expect(jobs.contains("12 waiting or running job(s), 3400 delivery record(s)"))
        #expect(jobs.contains("dicom-gw destination update pacs --paused false"))
        #expect(jobs.contains("dicom-gw destination remove pacs"))
        #expect(!jobs.contains("route remove"))
        let history = RetiredDestination(name: "old", liveJobs: 0, deliveries: 5, routes: ["a", "b"]).warning
        #expect(!history.contains("--paused false"), "no job waits")
        #expect(history.contains("dicom-gw route remove a / b"))
    }
}
