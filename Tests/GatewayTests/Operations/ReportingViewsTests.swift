import Foundation
import PostgresClient
import Testing
import TestSupport

/// The reporting views of migration 0008 on seeded data with known answers, and the
/// `dicom_gw_report` role's reach (views yes, tables no).
@Suite("Reporting views", .requiresDatabase)
struct ReportingViewsTests {
    /// Five instances in three studies from three AEs over two days; two destinations; two
    /// live jobs; one dead letter.
    static let seed = """
        INSERT INTO dicom_gw.destinations (name, ae_title, host, port) VALUES
            ('pacs-a', 'PACSA', '127.0.0.1', 104), ('pacs-b', 'PACSB', '127.0.0.1', 104);
        INSERT INTO dicom_gw.studies (study_instance_uid, accession_number) VALUES
            ('1.2.1', 'ACC1'), ('1.2.2', 'ACC2'), ('1.2.3', 'ACC3');
        INSERT INTO dicom_gw.series (study_id, series_instance_uid)
            SELECT id, study_instance_uid || '.1' FROM dicom_gw.studies;
        INSERT INTO dicom_gw.instances (series_id, study_id, sop_instance_uid, sop_class_uid, transfer_syntax_uid,
                                        storage_state, file_path, size_bytes, sha256, calling_ae_title, received_at)
        SELECT r.id, r.study_id, v.sop, '1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.1.2.1', v.state::dicom_gw.storage_state,
               'storage/studies/' || v.study || '/' || v.study || '.1/' || v.sop || '.dcm', v.size,
               sha256(v.sop::bytea), v.ae, v.at::timestamptz
        FROM (VALUES
            ('1.2.1', '1.2.1.1.1', 'CT1', 1000, '2026-01-10 10:00:00+00', 'stored'),
            ('1.2.1', '1.2.1.1.2', 'CT1', 3000, '2026-01-10 23:30:00+00', 'stored'),
            ('1.2.2', '1.2.2.1.1', 'MR1',  500, '2026-01-10 12:00:00+00', 'stored'),
            ('1.2.2', '1.2.2.1.2', 'CT1',  200, '2026-01-11 01:00:00+00', 'forwarded'),
            ('1.2.3', '1.2.3.1.1', 'US1',  100, '2026-01-09 08:00:00+00', 'stored')
        ) AS v(study, sop, ae, size, at, state)
        JOIN dicom_gw.series r ON r.series_instance_uid = v.study || '.1';
        UPDATE dicom_gw.instances SET file_path = 'forwarded/1.2.2/1.2.2.1/1.2.2.1.2.dcm' WHERE sop_instance_uid = '1.2.2.1.2';
        INSERT INTO dicom_gw.deliveries (instance_id, destination_id, state, attempts, last_status,
                                         enqueued_at, delivered_at, last_attempt_at, settled)
        SELECT i.id, d.id, v.state, v.attempts, v.status, v.enq::timestamptz,
               CASE WHEN v.state = 'delivered' THEN v.enq::timestamptz + v.secs * interval '1 second' END,
               CASE WHEN v.state <> 'pending' THEN v.enq::timestamptz + v.secs * interval '1 second' END,
               v.state <> 'pending'
        FROM (VALUES
            ('1.2.1.1.1', 'pacs-a', 'delivered', 1, '0000', '2026-01-10 10:00:00+00', 10),
            ('1.2.1.1.2', 'pacs-a', 'delivered', 1, '0000', '2026-01-10 11:00:00+00', 20),
            ('1.2.2.1.1', 'pacs-a', 'delivered', 2, '0000', '2026-01-10 12:00:00+00', 30),
            ('1.2.2.1.2', 'pacs-a', 'failed',    3, 'A700', '2026-01-10 13:00:00+00', 50),
            ('1.2.1.1.1', 'pacs-b', 'delivered', 1, '0000', '2026-01-10 10:00:00+00', 40),
            ('1.2.1.1.2', 'pacs-b', 'pending',   0, NULL,   '2026-01-10 11:00:00+00', 0),
            ('1.2.3.1.1', 'pacs-a', 'delivered', 1, '0000', '2026-01-09 08:00:00+00', 5)
        ) AS v(sop, dest, state, attempts, status, enq, secs)
        JOIN dicom_gw.instances i ON i.sop_instance_uid = v.sop
        JOIN dicom_gw.destinations d ON d.name = v.dest;
        INSERT INTO dicom_gw.jobs (queue, lane, kind, state, payload, enqueued_at, run_at)
        SELECT 'forward', 'destination:' || d.id, 'forward', v.state, jsonb_build_object('instance_id', i.id),
               now() - v.age * interval '1 second', now() + v.delay * interval '1 second'
        FROM (VALUES ('available', 120, 0), ('scheduled', 30, 600)) AS v(state, age, delay)
        CROSS JOIN dicom_gw.destinations d
        CROSS JOIN dicom_gw.instances i
        WHERE d.name = 'pacs-b' AND i.sop_instance_uid = '1.2.1.1.2';
        INSERT INTO dicom_gw.job_history (id, queue, lane, kind, payload, priority, outcome, attempt, snooze_count,
                                          rescue_count, enqueued_at, finished_at, last_error, errors)
        SELECT 9001, 'forward', 'destination:' || d.id, 'forward', jsonb_build_object('instance_id', i.id), 0,
               'discarded', 3, 0, 0, '2026-01-10 13:00:00+00', '2026-01-10 13:00:50+00',
               'C-STORE refused: A700 out of resources',
               '[{"kind": "transient", "attempt": 1}, {"kind": "permanent", "attempt": 3}]'::jsonb
        FROM dicom_gw.destinations d, dicom_gw.instances i
        WHERE d.name = 'pacs-a' AND i.sop_instance_uid = '1.2.2.1.2';
        """

    @Test("every view answers the seeded numbers")
    func views() async throws {
        try await TestDatabase.withFresh(migrations: TestDatabase.repositoryMigrations) { database in
            try await database.withPool { pool in
                try await pool.withConnection { try await $0.executeScript(Self.seed) }

                // Received per day and source AE.
                let received = try await pool.query(
                    "SELECT day::text, source_ae, objects, bytes, studies FROM dicom_gw.report_received_daily ORDER BY day, source_ae")
                let receivedRows = try received.map {
                    "\(try $0.decode(String.self, column: "day")) \(try $0.decode(String.self, column: "source_ae")) "
                        + "\(try $0.decode(Int64.self, column: "objects")) \(try $0.decode(Int64.self, column: "bytes")) "
                        + "\(try $0.decode(Int64.self, column: "studies"))"
                }
                #expect(receivedRows == [
                    "2026-01-09 US1 1 100 1", "2026-01-10 CT1 2 4000 1", "2026-01-10 MR1 1 500 1", "2026-01-11 CT1 1 200 1",
                ])

                // Forwarding per destination and day: pacs-a on the 10th delivered 10, 20, 30 s and failed once.
                let daily = try await pool.query("""
                    SELECT day::text, destination, delivered, failed, failure_rate::float8 AS rate,
                           latency_p50_s, latency_p90_s, latency_max_s
                    FROM dicom_gw.report_forward_daily ORDER BY day, destination
                    """)
                #expect(daily.count == 3)
                let a10 = try #require(try Self.row(daily, day: "2026-01-10", destination: "pacs-a"))
                #expect(try a10.decode(Int64.self, column: "delivered") == 3)
                #expect(try a10.decode(Int64.self, column: "failed") == 1)
                #expect(try a10.decode(Double.self, column: "rate") == 0.25)
                #expect(try abs(a10.decode(Double.self, column: "latency_p50_s") - 20) < 1e-9)
                #expect(try abs(a10.decode(Double.self, column: "latency_p90_s") - 28) < 1e-9)
                #expect(try abs(a10.decode(Double.self, column: "latency_max_s") - 30) < 1e-9)
                let b10 = try #require(try Self.row(daily, day: "2026-01-10", destination: "pacs-b"))
                #expect(try b10.decode(Int64.self, column: "delivered") == 1)
                #expect(try b10.decode(Double.self, column: "rate") == 0)
                #expect(try abs(b10.decode(Double.self, column: "latency_p50_s") - 40) < 1e-9)

                // All time per destination.
                let destinations = try await pool.query("""
                    SELECT destination, pending, delivered, failed, failure_rate::float8 AS rate, latency_p50_s
                    FROM dicom_gw.report_forward_destinations ORDER BY destination
                    """)
                let summary = try destinations.map {
                    "\(try $0.decode(String.self, column: "destination")) \(try $0.decode(Int64.self, column: "pending")) "
                        + "\(try $0.decode(Int64.self, column: "delivered")) \(try $0.decode(Int64.self, column: "failed")) "
                        + "\(try $0.decode(Double.self, column: "rate"))"
                }
                #expect(summary == ["pacs-a 0 4 1 0.2", "pacs-b 1 1 0 0.0"])
                // pacs-a over all time: 5, 10, 20, 30 s.
                #expect(try abs((destinations.first?.decode(Double.self, column: "latency_p50_s") ?? 0) - 15) < 1e-9)

                // Queue depth: two waiting in pacs-b's lane, one due, the oldest waiting about 120 s.
                let depth = try await pool.query(
                    "SELECT destination, waiting, due, running, oldest_wait_s FROM dicom_gw.report_queue_depth")
                #expect(depth.count == 1)
                let lane = try #require(depth.first)
                #expect(try lane.decode(String.self, column: "destination") == "pacs-b")
                #expect(try lane.decode(Int64.self, column: "waiting") == 2)
                #expect(try lane.decode(Int64.self, column: "due") == 1)
                #expect(try lane.decode(Int64.self, column: "running") == 0)
                let wait = try lane.decode(Double.self, column: "oldest_wait_s")
                #expect(wait >= 119 && wait < 300)

                // Dead letters, with the object, the destination, the reason and the last status.
                let dead = try await pool.query("""
                    SELECT job_id, destination, reason, error_kind, sop_instance_uid, study_instance_uid, last_status, attempts
                    FROM dicom_gw.report_dead_letters
                    """)
                #expect(dead.count == 1)
                let letter = try #require(dead.first)
                #expect(try letter.decode(Int64.self, column: "job_id") == 9001)
                #expect(try letter.decode(String.self, column: "destination") == "pacs-a")
                #expect(try letter.decode(String.self, column: "reason") == "C-STORE refused: A700 out of resources")
                #expect(try letter.decode(String.self, column: "error_kind") == "permanent")
                #expect(try letter.decode(String.self, column: "sop_instance_uid") == "1.2.2.1.2")
                #expect(try letter.decode(String.self, column: "study_instance_uid") == "1.2.2")
                #expect(try letter.decode(String.self, column: "last_status") == "A700")

                // Studies not delivered everywhere: 1.2.1 (pending to pacs-b), 1.2.2 (failed to pacs-a); 1.2.3 is complete.
                let undelivered = try await pool.query("""
                    SELECT study_instance_uid, instances, delivered, pending, failed,
                           array_to_string(missing_destinations, ',') AS missing
                    FROM dicom_gw.report_undelivered_studies ORDER BY study_instance_uid
                    """)
                let studies = try undelivered.map {
                    "\(try $0.decode(String.self, column: "study_instance_uid")) \(try $0.decode(Int64.self, column: "instances")) "
                        + "\(try $0.decode(Int64.self, column: "delivered")) \(try $0.decode(Int64.self, column: "pending")) "
                        + "\(try $0.decode(Int64.self, column: "failed")) \(try $0.decode(String.self, column: "missing"))"
                }
                #expect(studies == ["1.2.1 2 3 1 0 pacs-b", "1.2.2 2 1 0 1 pacs-a"])

                // Storage use by state.
                let use = try await pool.query("SELECT state, objects, bytes, studies FROM dicom_gw.report_storage_use ORDER BY state")
                let states = try use.map {
                    "\(try $0.decode(String.self, column: "state")) \(try $0.decode(Int64.self, column: "objects")) "
                        + "\(try $0.decode(Int64.self, column: "bytes")) \(try $0.decode(Int64.self, column: "studies"))"
                }
                #expect(states == ["forwarded 1 200 1", "stored 4 4600 3"])
            }
        }
    }

    @Test("a login member of dicom_gw_report reads every report view and no table")
    func reportRole() async throws {
        try await TestDatabase.withFresh(migrations: TestDatabase.repositoryMigrations) { database in
            let member = "rpt_" + String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
            let password = UUID().uuidString
            try await database.withPool { pool in
                try await pool.withConnection { try await $0.executeScript(Self.seed) }
                let role = try await pool.query(
                    "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'dicom_gw_report'")
                #expect(try role.first?.decode(Bool.self, column: "rolcanlogin") == false, "a NOLOGIN group role")
                // Grants on the report views and nothing else in the schema.
                let granted = try await pool.query("""
                    SELECT table_name FROM information_schema.role_table_grants
                    WHERE grantee = 'dicom_gw_report' AND table_schema = 'dicom_gw' ORDER BY table_name
                    """)
                #expect(try granted.map { try $0.decode(String.self, column: "table_name") } == Self.views)
                _ = try await pool.execute(
                    "CREATE ROLE \(member) LOGIN PASSWORD '\(password)' IN ROLE dicom_gw_report")
            }
            let memberURL = try Self.url(database.url, user: member, password: password)
            let connection = try await PostgresConnection.connect(url: memberURL, logger: TestDatabase.logger)
            do {
                for view in Self.views {
                    let rows = try await connection.query("SELECT count(*) AS n FROM dicom_gw.\(view)")
                    #expect(try (rows.first?.decode(Int64.self, column: "n") ?? -1) >= 1, "\(view)")
                }
                for table in ["instances", "studies", "deliveries", "jobs", "job_history", "audit_events", "users", "job_depth"] {
                    do {
                        _ = try await connection.query("SELECT count(*) FROM dicom_gw.\(table)")
                        Issue.record("a reporting member read dicom_gw.\(table)")
                    } catch let error as PostgresError {
                        #expect(error.code.sqlState == "42501", "\(table): \(error)")
                    }
                }
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
            try await database.withPool { pool in _ = try await pool.execute("DROP ROLE IF EXISTS \(member)") }
        }
    }

    static let views = [
        "report_dead_letters", "report_forward_daily", "report_forward_destinations", "report_queue_depth",
        "report_received_daily", "report_storage_use", "report_undelivered_studies",
    ]

    static func row(_ rows: PostgresRows, day: String, destination: String) throws -> PostgresRow? {
        for row in rows where try row.decode(String.self, column: "day") == day && row.decode(String.self, column: "destination") == destination {
            return row
        }
        return nil
    }

    /// `url` with another user and password (URL or conninfo form).
    static func url(_ url: String, user: String, password: String) throws -> String {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            guard var components = URLComponents(string: url) else { throw TestDatabaseError("cannot parse \(url)") }
            components.user = user
            components.password = password
            guard let result = components.string else { throw TestDatabaseError("cannot rebuild the URL") }
            return result
        }
        return url + " user=\(user) password=\(password)"
    }
}
