import DICOM
import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JobQueue
import Logging
import PostgresClient
import TestSupport
import Testing

@Suite("Destinations and routes through the forwarding stores", .requiresDatabase)
struct StoreBackedResourceTests {
    /// A lane's policy as the queue reads it.
    static func lane(_ pool: PostgresPool, _ lane: String) async throws -> [String: String] {
        guard let row = try await pool.query("""
            SELECT max_running::text AS max_running, max_attempts::text AS max_attempts,
                   extract(epoch FROM backoff_base)::text AS backoff_base, extract(epoch FROM backoff_max)::text AS backoff_max,
                   extract(epoch FROM outage_pause)::text AS outage_pause, coalesce(pause_reason, '') AS pause_reason,
                   (paused_until > now()) IS TRUE AS paused
              FROM dicom_gw.job_lanes WHERE lane = $1
            """, [lane]).first
        else { return [:] }
        var values: [String: String] = [:]
        for column in ["max_running", "max_attempts", "backoff_base", "backoff_max", "outage_pause", "pause_reason"] {
            values[column] = try row.decode(String?.self, column: column) ?? "null"
        }
        values["paused"] = String(try row.decode(Bool.self, column: "paused"))
        return values
    }

    @Test("a destination made through the API sets the same job lane and audit as the CLI's store; updates reach the lane")
    func apiMatchesCLI() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            let store = DestinationStore(pool: pool)
            // The CLI's code path (`dicom-gw destination add cli --max-associations 3 …`), as the operator.
            var cli = Destination(name: "cli", aeTitle: "PACS", host: "127.0.0.1", port: 104)
            cli.maxAssociations = 3
            cli.maxObjectsPerAssociation = 10
            cli.maxAttempts = 4
            cli.retryInitialDelay = 5
            let savedCLI = try await store.save(cli, actor: .user("operator"))
            try await app.test { client in
                let created = try await client.send(
                    .post, "/api/v1/destinations", headers: app.auth(.operator),
                    json: #"{"name":"api","ae_title":"PACS","host":"127.0.0.1","port":104,"max_associations":3,"max_objects_per_association":10,"max_attempts":4,"retry_initial_delay_seconds":5}"#)
                #expect(created.status == .created, "\(created.text)")
                let id = try #require(created.object["id"] as? Int)
                let lane = Destination.lane(for: Int64(id))
                let apiLane = try await Self.lane(pool, lane)
                #expect(apiLane["max_running"] == "30")
                #expect(apiLane["max_attempts"] == "4")
                #expect(apiLane == (try await Self.lane(pool, savedCLI.lane)), "the API and the CLI configure the lane alike")

                let updated = try await client.send(
                    .put, "/api/v1/destinations/\(id)", headers: app.auth(.operator),
                    json: #"{"name":"api","ae_title":"PACS","host":"127.0.0.1","port":104,"max_associations":1,"max_objects_per_association":10,"max_attempts":7}"#)
                #expect(updated.status == .ok, "\(updated.text)")
                #expect(updated.object["max_attempts"] as? Int == 7)
                let after = try await Self.lane(pool, lane)
                #expect(after["max_attempts"] == "7")
                #expect(after["max_running"] == "10")
                // The store's own checks apply too (the CLI's message).
                let stored = try #require(try await store.find(name: "api"))
                #expect(stored.maxAttempts == 7)

                let byName = try await client.send(.get, "/api/v1/destinations/cli", headers: app.auth(.viewer))
                #expect(byName.object["id"] as? Int == Int(savedCLI.id))
                #expect(try await client.send(.delete, "/api/v1/destinations/cli", headers: app.auth(.operator)).status == .noContent)
                #expect(try await store.find(name: "cli") == nil)
            }
            let rows = try await pool.query("""
                SELECT object_id, action, actor_type, actor FROM dicom_gw.audit_events
                 WHERE object_type = 'destination' ORDER BY id
                """)
            let events = try rows.map {
                "\(try $0.decode(String.self, column: "object_id")) \(try $0.decode(String.self, column: "action")) "
                    + "\(try $0.decode(String.self, column: "actor_type")):\(try $0.decode(String.self, column: "actor"))"
            }
            #expect(events == [
                "cli destination.add user:operator", "api destination.add user:operator", "api destination.update user:operator",
                "cli destination.remove user:operator",
            ])
            #expect(Set(events.map { $0.split(separator: " ")[1] }).isSubset(of: [
                Substring(AuditAction.destinationCreated), Substring(AuditAction.destinationUpdated), Substring(AuditAction.destinationDeleted),
            ]))
        }
    }

    @Test("pause holds the destination's jobs (not failed), shows in its JSON, and resume releases them")
    func pauseAndResume() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            let queue = JobQueue(pool: pool, logger: Logger(label: "test"))
            try await app.test { client in
                let created = try await client.send(
                    .post, "/api/v1/destinations", headers: app.auth(.operator),
                    json: #"{"name":"pacs","ae_title":"PACS","host":"127.0.0.1","port":104}"#)
                let id = try #require(created.object["id"] as? Int)
                #expect(created.object["paused"] as? Bool == false)
                let lane = Destination.lane(for: Int64(id))
                let jobs = try await queue.enqueue(
                    [NewJob(kind: ForwardHooks.jobKind, lane: lane, payload: #"{"instance_id":1}"#)], into: ForwardHooks.queueName)
                let jobID = try #require(jobs.first ?? nil)

                #expect(try await client.send(.post, "/api/v1/destinations/pacs/pause", headers: app.auth(.viewer)).status == .forbidden)
                #expect(try await client.send(.post, "/api/v1/destinations/nowhere/pause", headers: app.auth(.operator)).status == .notFound)
                let paused = try await client.send(.post, "/api/v1/destinations/pacs/pause", headers: app.auth(.operator))
                #expect(paused.status == .ok, "\(paused.text)")
                #expect(paused.object["paused"] as? Bool == true)
                let shown = try await client.send(.get, "/api/v1/destinations/\(id)", headers: app.auth(.viewer))
                #expect(shown.object["paused"] as? Bool == true)
                #expect(try await Self.lane(pool, lane)["paused"] == "true")

                let worker = try await queue.registerWorker(name: "test", host: "localhost", pid: 1, queues: [ForwardHooks.queueName])
                let none = try await queue.claim(queue: ForwardHooks.queueName, worker: worker, limit: 10, lease: .seconds(30))
                #expect(none.isEmpty, "a paused lane hands out nothing")
                let state = try await pool.query("SELECT state, attempt FROM dicom_gw.jobs WHERE id = $1", [jobID]).first
                #expect(try state?.decode(String.self, column: "state") == "available", "held, not failed")
                #expect(try state?.decode(Int32.self, column: "attempt") == 0)

                // An update while paused keeps the pause (the store re-applies it to the lane).
                let updated = try await client.send(
                    .put, "/api/v1/destinations/\(id)", headers: app.auth(.operator),
                    json: #"{"name":"pacs","ae_title":"PACS","host":"127.0.0.1","port":11112}"#)
                #expect(updated.object["paused"] as? Bool == true)
                #expect(try await Self.lane(pool, lane)["paused"] == "true")

                let resumed = try await client.send(.post, "/api/v1/destinations/\(id)/resume", headers: app.auth(.operator))
                #expect(resumed.object["paused"] as? Bool == false)
                let claimed = try await queue.claim(queue: ForwardHooks.queueName, worker: worker, limit: 10, lease: .seconds(30))
                #expect(claimed.map(\.id) == [jobID])
            }
            let actions = try await app.services.auditQuery.list(AuditFilter(actor: "operator"), limit: 10).map(\.action)
            #expect(actions.contains(AuditAction.destinationPaused))
            #expect(actions.contains(AuditAction.destinationResumed))
        }
    }

    @Test("routes: conditions in the store's form reach the evaluator; update keeps the id; validation is per field")
    func routes() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            let admin = app.auth(.admin)
            try await app.test { client in
                for name in ["pacs", "archive"] {
                    _ = try await client.send(
                        .post, "/api/v1/destinations", headers: app.auth(.operator),
                        json: #"{"name":"\#(name)","ae_title":"PACS","host":"127.0.0.1","port":104}"#)
                }
                let created = try await client.send(
                    .post, "/api/v1/routes", headers: admin,
                    json: #"{"name":"ct","conditions":["modality=CT",{"field":"PatientID","regex":"P0.*"}],"destinations":["pacs"]}"#)
                #expect(created.status == .created, "\(created.text)")
                let id = try #require(created.object["id"] as? Int)
                let conditions = created.object["conditions"] as? [[String: Any]] ?? []
                #expect(conditions.map { $0["text"] as? String } == ["modality = 'CT'", "PatientID ~ /P0.*/"])

                // The forwarding side reads exactly what the API stored.
                let stored = try #require(try await RouteStore(pool: pool).find(id: Int64(id)))
                let mr = RoutingAttributes(callingAE: "X", calledAE: "GW", values: [.modality: "MR", .patientID: "P01"])
                let ct = RoutingAttributes(callingAE: "X", calledAE: "GW", values: [.modality: "CT", .patientID: "P01"])
                #expect(stored.evaluate(mr).matches == false)
                #expect(stored.evaluate(ct).matches == true)

                let replaced = try await client.send(
                    .put, "/api/v1/routes/\(id)", headers: admin,
                    json: #"{"name":"ct-all","conditions":["modality=CT"],"destinations":["pacs","archive"],"mode":"study_stable","stable_seconds":30}"#)
                #expect(replaced.status == .ok, "\(replaced.text)")
                #expect(replaced.object["id"] as? Int == id)
                #expect(replaced.object["destinations"] as? [String] == ["archive", "pacs"])
                #expect(replaced.object["stable_seconds"] as? Int == 30)

                let invalid = try await client.send(
                    .post, "/api/v1/routes", headers: admin,
                    json: #"{"name":"r1","conditions":["colour=red",{"field":"modality","regex":"("},3],"mode":"later","destinations":["pacs"]}"#)
                #expect(invalid.status == .unprocessableContent)
                let fields = Set(((invalid.object["error"] as? [String: Any])?["fields"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
                #expect(fields == ["conditions[0]", "conditions[1]", "conditions[2]", "mode"])
                let unknown = try await client.send(.post, "/api/v1/routes", headers: admin, json: #"{"name":"r2","destinations":["nowhere"]}"#)
                #expect(unknown.status == .unprocessableContent)
                #expect(unknown.text.contains("nowhere"))
                let taken = try await client.send(.post, "/api/v1/routes", headers: admin, json: #"{"name":"ct-all","destinations":["pacs"]}"#)
                #expect(taken.status == .conflict)

                let inUse = try await client.send(.delete, "/api/v1/destinations/pacs", headers: app.auth(.operator))
                #expect(inUse.status == .conflict)
                #expect(inUse.text.contains("ct-all"))
                #expect(try await client.send(.delete, "/api/v1/routes/\(id)", headers: admin).status == .noContent)
                #expect(try await client.send(.get, "/api/v1/routes/\(id)", headers: admin).status == .notFound)
            }
            let actions = try await app.services.auditQuery.list(AuditFilter(actor: "admin"), limit: 10).map(\.action)
            #expect(actions == [AuditAction.routeDeleted, AuditAction.routeUpdated, AuditAction.routeCreated])
        }
    }

    @Test("route test explains a stored instance and a stored study with the receive path's attributes")
    func routeTest() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await StudySearchTests.seed(pool)
            let destinations = DestinationStore(pool: pool)
            for name in ["pacs", "archive", "off"] {
                var d = Destination(name: name, aeTitle: "PACS", host: "127.0.0.1", port: 104)
                d.enabled = name != "off"
                try await destinations.save(d, actor: .user("test"))
            }
            let routes = RouteStore(pool: pool)
            var ct = Route(name: "ct", destinations: ["pacs", "off"])
            ct.conditions = [try RouteCondition(parsing: "modality=CT")]
            var mr = Route(name: "mr", destinations: ["pacs"])
            mr.conditions = [try RouteCondition(parsing: "modality=MR")]
            var pid = Route(name: "pid", destinations: ["archive", "pacs"])
            pid.priority = 200
            pid.conditions = [try RouteCondition(parsing: "PatientID~P00.")]
            for route in [ct, mr, pid] { try await routes.save(route, actor: .user("test")) }
            try await app.test { client in
                #expect(try await client.send(.post, "/api/v1/destinations/archive/pause", headers: app.auth(.operator)).status == .ok)
                let instance = try await client.send(
                    .post, "/api/v1/routes/test", headers: app.auth(.viewer), json: #"{"sop_instance_uid":"1.2.840.1.1.1"}"#)
                #expect(instance.status == .ok, "\(instance.text)")
                let result = try #require((instance.object["instances"] as? [[String: Any]])?.first)
                let verdicts = (result["routes"] as? [[String: Any]] ?? []).map { "\($0["name"] ?? ""):\($0["matches"] as? Bool == true)" }
                #expect(verdicts == ["ct:true", "mr:false", "pid:true"])
                let mrReason = (result["routes"] as? [[String: Any]])?.first { $0["name"] as? String == "mr" }?["reason"] as? String
                #expect(mrReason == "modality = 'MR' fails (value: 'CT')")
                let chosen = (result["destinations"] as? [[String: Any]] ?? []).map {
                    "\($0["name"] ?? "")<-\($0["route"] ?? ""):\($0["forwarded"] as? Bool == true):\($0["paused"] as? Bool == true)"
                }
                #expect(chosen == ["off<-ct:false:false", "pacs<-ct:true:false", "archive<-pid:true:true"])

                let study = try await client.send(
                    .post, "/api/v1/routes/test", headers: app.auth(.viewer), json: #"{"studyInstanceUID":"1.2.840.3"}"#)
                let studyResult = try #require((study.object["instances"] as? [[String: Any]])?.first)
                #expect(studyResult["sop_instance_uid"] as? String == "1.2.840.3.1.1")
                #expect((studyResult["destinations"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["pacs"], "P_03 does not match P00.")

                #expect(try await client.send(
                    .post, "/api/v1/routes/test", headers: app.auth(.viewer), json: #"{"sop_instance_uid":"1.2.9"}"#).status == .notFound)
                #expect(try await client.send(
                    .post, "/api/v1/routes/test", headers: app.auth(.viewer), json: #"{"sop_instance_uid":"1.2.3' OR '1'='1"}"#).status == .unprocessableContent)
                #expect(try await client.send(.post, "/api/v1/routes/test", headers: app.auth(.viewer), json: "{}").status == .unprocessableContent)
                #expect(try await client.send(.post, "/api/v1/routes/test", json: "{}").status == .unauthorized)
            }
        }
    }

    @Test("with the storage root, the route test judges conditions on tags only the stored file holds")
    func routeTestReadsTheFile() async throws {
        try await AdminTestDatabase.with { pool in
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("route-test-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: root) }
            try await StudySearchTests.seed(pool)
            // The seeded instance's row points at storage/studies/x.dcm: put a file there whose
            // Station Name (not a column) the route names.
            let file = root.appendingPathComponent("storage/studies/x.dcm")
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: TestPaths.corpus.appendingPathComponent("pydicom/CT_small.dcm"), to: file)
            try await ChildProcess.checked("/usr/bin/dcmodify", ["-nb", "-i", "(0008,1010)=ROUTETEST", file.path])
            try await DestinationStore(pool: pool).save(
                Destination(name: "pacs", aeTitle: "PACS", host: "127.0.0.1", port: 104), actor: .user("test"))
            var station = Route(name: "station", destinations: ["pacs"])
            station.conditions = [try RouteCondition(parsing: "StationName=ROUTETEST")]
            try await RouteStore(pool: pool).save(station, actor: .user("test"))
            let app = try await AdminTestApp.make(pool: pool, storageRoot: root.path)
            try await app.test { client in
                func verdict() async throws -> Bool? {
                    let answer = try await client.send(
                        .post, "/api/v1/routes/test", headers: app.auth(.viewer), json: #"{"sop_instance_uid":"1.2.840.1.1.1"}"#)
                    let result = (answer.object["instances"] as? [[String: Any]])?.first
                    return (result?["routes"] as? [[String: Any]])?.first?["matches"] as? Bool
                }
                #expect(try await verdict() == true)
                // Without the file (the row alone) the tag reads as absent.
                try FileManager.default.removeItem(at: file)
                #expect(try await verdict() == false)
            }
        }
    }

    @Test("study detail shows each instance's delivery per destination from the ledger")
    func studyDeliveries() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await StudySearchTests.seed(pool)
            let destinations = DestinationStore(pool: pool)
            let pacs = try await destinations.save(
                Destination(name: "pacs", aeTitle: "PACS", host: "127.0.0.1", port: 104), actor: .user("test"))
            let archive = try await destinations.save(
                Destination(name: "archive", aeTitle: "ARCH", host: "127.0.0.1", port: 104), actor: .user("test"))
            let instanceID = try #require(try await pool.query(
                "SELECT id FROM dicom_gw.instances WHERE sop_instance_uid = '1.2.840.1.1.1'").first?.decode(Int64.self, column: "id"))
            // What the receive path's routing writes: the jobs and their ledger rows.
            let queue = JobQueue(pool: pool, logger: Logger(label: "test"))
            let jobs = try await queue.enqueue(
                [pacs, archive].map { NewJob(kind: ForwardHooks.jobKind, lane: $0.lane, payload: #"{"instance_id":\#(instanceID)}"#) },
                into: ForwardHooks.queueName)
            _ = try await pool.query(
                "SELECT dicom_gw.forward_record($1, '1.2.840.1', $2, $3, $4, $5, $6)",
                [instanceID, [pacs.id, archive.id], [Int64(0), Int64(0)], ["keep", "keep"], jobs.map { $0 ?? 0 }, [Int64(0), Int64(0)]])
            _ = try await pool.execute(
                """
                UPDATE dicom_gw.deliveries SET state = 'delivered', attempts = 1, last_status = '0000',
                       last_attempt_at = now(), delivered_at = now() WHERE destination_id = $1
                """, [pacs.id])
            try await app.test { client in
                let detail = try await client.send(.get, "/api/v1/studies/1.2.840.1", headers: app.auth(.viewer))
                #expect(detail.status == .ok)
                let instance = try #require(((detail.object["series"] as? [[String: Any]])?.first?["instances"] as? [[String: Any]])?.first)
                let ledger = (instance["deliveries"] as? [[String: Any]] ?? []).map {
                    "\($0["destination"] ?? ""):\($0["state"] ?? ""):\($0["last_status"] as? String ?? "-")"
                }
                #expect(ledger == ["archive:pending:-", "pacs:delivered:0000"])
                let summary = detail.object["deliveries"] as? [[String: Any]] ?? []
                #expect(summary.map { "\($0["destination"] ?? "") \($0["delivered"] ?? "") \($0["pending"] ?? "")" } == ["archive 0 1", "pacs 1 0"])
                let other = try await client.send(.get, "/api/v1/studies/1.2.840.2", headers: app.auth(.viewer))
                #expect((other.object["deliveries"] as? [Any])?.isEmpty == true)
            }
        }
    }
}
