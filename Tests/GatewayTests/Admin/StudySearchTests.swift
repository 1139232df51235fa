import Foundation
import Gateway
import JobQueue
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresClient
import TestSupport
import Testing

@Suite("Study search", .requiresDatabase)
struct StudySearchTests {
    static func seed(_ pool: PostgresPool) async throws {
        try await pool.withConnection { connection in
            try await connection.executeScript(
                #"""
                INSERT INTO dicom_gw.studies (study_instance_uid, patient_id, patient_name, accession_number, study_date)
                VALUES ('1.2.840.1', 'P001', 'DOE^JOHN', 'ACC1', '2026-01-10'),
                       ('1.2.840.2', 'P002', 'DOE^JANE', 'ACC2', '2026-02-10'),
                       ('1.2.840.3', 'P_03', 'O''BRIEN^PAT', 'ACC%3', '2026-03-10');
                INSERT INTO dicom_gw.series (study_id, series_instance_uid, modality)
                SELECT id, study_instance_uid || '.1', CASE WHEN patient_id = 'P001' THEN 'CT' ELSE 'MR' END FROM dicom_gw.studies;
                INSERT INTO dicom_gw.instances (series_id, study_id, sop_instance_uid, sop_class_uid, transfer_syntax_uid, file_path, size_bytes, sha256)
                SELECT s.id, s.study_id, s.series_instance_uid || '.1', '1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.1.2.1',
                       'storage/studies/x.dcm', 10, decode(repeat('00', 32), 'hex')
                  FROM dicom_gw.series s;
                """#)
        }
    }

    static func search(_ client: any TestClientProtocol, _ app: AdminTestApp, _ query: String) async throws -> [String] {
        let response = try await client.send(.get, "/api/v1/studies?\(query)", headers: app.auth(.viewer))
        #expect(response.status == .ok, "\(query): \(response.text)")
        return (response.object["items"] as? [[String: Any]] ?? []).compactMap { $0["study_instance_uid"] as? String }.sorted()
    }

    @Test("filters by name prefix, id, accession, dates and modality, and pages")
    func filters() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await Self.seed(pool)
            try await app.test { client in
                #expect(try await Self.search(client, app, "patient_name=doe") == ["1.2.840.1", "1.2.840.2"])
                #expect(try await Self.search(client, app, "patient_name=doe%5EJA") == ["1.2.840.2"])
                #expect(try await Self.search(client, app, "patient_id=P00*") == ["1.2.840.1", "1.2.840.2"])
                #expect(try await Self.search(client, app, "accession_number=ACC%253") == ["1.2.840.3"])
                #expect(try await Self.search(client, app, "study_date_from=2026-02-01&study_date_to=2026-02-28") == ["1.2.840.2"])
                #expect(try await Self.search(client, app, "modality=CT") == ["1.2.840.1"])
                let page = try await client.send(.get, "/api/v1/studies?limit=2", headers: app.auth(.viewer))
                #expect((page.object["items"] as? [Any])?.count == 2)
                #expect(page.object["next_offset"] as? Int == 2)
                let last = try await client.send(.get, "/api/v1/studies?limit=2&offset=2", headers: app.auth(.viewer))
                #expect(last.object["next_offset"] is NSNull)

                let detail = try await client.send(.get, "/api/v1/studies/1.2.840.1", headers: app.auth(.viewer))
                #expect(detail.status == .ok)
                let series = detail.object["series"] as? [[String: Any]] ?? []
                #expect(series.count == 1)
                #expect((series.first?["instances"] as? [Any])?.count == 1)
                #expect(try await client.send(.get, "/api/v1/studies/1.02.3", headers: app.auth(.viewer)).status == .notFound)
            }
        }
    }

    @Test("injection attempts in search parameters match nothing and change nothing", arguments: [
        "patient_name=x%27%20OR%20%271%27%3D%271",
        "patient_id=%27%3B%20DROP%20TABLE%20dicom_gw.studies%3B%20--",
        "accession_number=%25",
        "patient_id=P_0%5C",
        "modality=CT%27%20OR%201%3D1%20--",
        "study_instance_uid=1%27%20OR%20%271%27%3D%271",
    ])
    func injection(query: String) async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await Self.seed(pool)
            try await app.test { client in
                #expect(try await Self.search(client, app, query) == [])
                let malformed = try await client.send(.get, "/api/v1/studies?limit=1;DROP", headers: app.auth(.viewer))
                #expect(malformed.status == .unprocessableContent)
                let wildcardUnderscore = try await Self.search(client, app, "patient_id=P_03")
                #expect(wildcardUnderscore == ["1.2.840.3"], "'_' is literal, not a LIKE wildcard")
            }
            let count = try await pool.query("SELECT count(*) AS n FROM dicom_gw.studies")
            #expect(try count.first?.decode(Int64.self, column: "n") == 3)
        }
    }

    /// Tried on one database (a fresh one per case would cost seconds each).
    static let otherFilterInjections = [
        "/api/v1/audit?actor=x%27%20OR%20%271%27%3D%271",
        "/api/v1/audit?action=%27%3B%20DELETE%20FROM%20dicom_gw.audit_events%3B%20--",
        "/api/v1/audit?object_id=%25",
        "/api/v1/jobs?lane=x%27%20OR%20%271%27%3D%271",
        "/api/v1/jobs?destination=x%27%20OR%201%3D1%20--",
        "/api/v1/jobs?kind=%27%3B%20DROP%20TABLE%20dicom_gw.jobs%3B%20--",
        "/api/v1/destinations?enabled=true%27%20OR%201%3D1",
    ]

    @Test("injection attempts in audit, job and destination filters match nothing and change nothing")
    func injectionInOtherFilters() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            let pacs = try await DestinationStore(pool: pool).save(
                Destination(name: "pacs", aeTitle: "PACS", host: "127.0.0.1", port: 104), actor: .user("test"))
            _ = try await JobQueue(pool: pool, logger: Logger(label: "test")).enqueue(
                [NewJob(kind: "forward", lane: pacs.lane, payload: "{}")], into: "forward")
            func count(_ table: String) async throws -> Int64? {
                try await pool.query("SELECT count(*) AS n FROM dicom_gw.\(table)").first?.decode(Int64.self, column: "n")
            }
            let events = try await count("audit_events")
            try await app.test { client in
                for uri in Self.otherFilterInjections {
                    let response = try await client.send(.get, uri, headers: app.auth(.admin))
                    #expect([.ok, .unprocessableContent].contains(response.status), "\(uri): \(response.text)")
                    if response.status == .ok {
                        #expect((response.object["items"] as? [Any])?.isEmpty == true, "\(uri) matched rows")
                    }
                }
                // The same filters with honest values do find the rows, so an empty answer above means something.
                let jobs = try await client.send(.get, "/api/v1/jobs?destination=pacs", headers: app.auth(.admin))
                #expect((jobs.object["items"] as? [Any])?.count == 1)
                let audit = try await client.send(.get, "/api/v1/audit?actor=test", headers: app.auth(.admin))
                #expect((audit.object["items"] as? [Any])?.isEmpty == false)
            }
            #expect(try await count("jobs") == 1)
            #expect(try await count("audit_events") == events)
            #expect(try await count("destinations") == 1)
        }
    }
}
