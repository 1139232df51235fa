import DICOMNetwork
import Foundation
import Gateway
import PostgresClient
import Storage
import Testing
import TestSupport

/// The remaining promises of forwarding, each with real peers: archive policies, routes on
/// tags the instance row does not record, the ledger and replay from the CLI, the breaker.
@Suite("Forwarding policies and operations", .requiresDatabase, .serialized)
struct ForwardPolicyTests {
    @Test("routes on any tag (StationName, not recorded in the row); keep leaves the file, delete removes it; route test agrees")
    func tagRoutesAndArchivePolicies() async throws {
        try await ForwardHarness.run { gw in
            let peer = try StoreSCPPeer(directory: gw.root.appendingPathComponent("peer"))
            try await peer.start()
            try await gw.addDestination("pacs", port: peer.port)
            try await gw.addRoute("keeper", to: ["pacs"]) {
                $0.conditions = [try RouteCondition(parsing: "StationName=KEEPER")]
                $0.archivePolicy = "keep"
            }
            try await gw.addRoute("deleter", to: ["pacs"]) {
                $0.conditions = [try RouteCondition(parsing: "0008,1010~DEL.*"), try RouteCondition(parsing: "InstitutionName?")]
                $0.archivePolicy = "delete"
            }
            let (keepStudy, keep) = try await gw.makeStudy(count: 2, modify: ["-i", "(0008,1010)=KEEPER"])
            let (deleteStudy, delete) = try await gw.makeStudy(count: 2, modify: ["-i", "(0008,1010)=DELETER"])
            // DELETER but without an institution: the presence test fails, nothing routes it.
            let (_, neither) = try await gw.makeStudy(count: 1, modify: ["-i", "(0008,1010)=DELETER", "-e", "(0008,0080)"])
            try await gw.send(keep + delete + neither)

            let settled = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered' AND settled") == 4
            }
            #expect(settled)
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.instances") == 5)
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.deliveries") == 4, "the object without InstitutionName is not routed")
            #expect(peer.files.count == 4)
            let rows = try await gw.pool.query("""
                SELECT s.study_instance_uid::text AS study, i.storage_state::text AS state, i.file_path
                FROM dicom_gw.instances i JOIN dicom_gw.studies s ON s.id = i.study_id
                JOIN dicom_gw.deliveries d ON d.instance_id = i.id
                """)
            for row in rows {
                let study = try row.decode(String.self, column: "study")
                let state = try row.decode(String.self, column: "state")
                let path = try row.decode(String.self, column: "file_path")
                let exists = FileManager.default.fileExists(atPath: gw.layout.absolute(path))
                if study == keepStudy {
                    #expect(state == "stored" && path.hasPrefix("storage/studies/") && exists, "keep: \(state) \(path) \(exists)")
                } else {
                    #expect(study == deleteStudy)
                    #expect(state == "deleted" && !exists, "delete: \(state) \(path) \(exists)")
                }
            }

            // `route test FILE` evaluates the same conditions on the file.
            let cli = try GatewayCLI(databaseURL: gw.databaseURL, root: gw.root)
            let keepOut = try await cli.run(["route", "test", keep[0].path])
            #expect(keepOut.contains("route keeper: matches"), "\(keepOut)")
            #expect(keepOut.contains("=> forwarded to pacs"))
            let neitherOut = try await cli.run(["route", "test", neither[0].path])
            #expect(neitherOut.contains("InstitutionName present fails"), "\(neitherOut)")
            #expect(neitherOut.contains("=> not forwarded"))
        }
    }

    @Test("the delivery ledger from the CLI, and replay --dry-run lists without sending, then replay re-sends from forwarded/")
    func ledgerAndReplay() async throws {
        try await ForwardHarness.run { gw in
            let peer = try StoreSCPPeer(directory: gw.root.appendingPathComponent("peer"))
            try await peer.start(extra: ["+uf"])
            try await gw.addDestination("pacs", port: peer.port)
            try await gw.addRoute("all", to: ["pacs"]) { $0.archivePolicy = "archive" }
            let (study, files) = try await gw.makeStudy(count: 3)
            try await gw.send(files)
            let archived = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.instances WHERE storage_state = 'forwarded'") == 3
            }
            #expect(archived)

            let cli = try GatewayCLI(databaseURL: gw.databaseURL, root: gw.root)
            let ledger = try await cli.run(["jobs", "deliveries", "--study", study])
            let lines = ledger.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
            #expect(lines.count == 3, "\(ledger)")
            for fields in lines {
                #expect(fields.count == 9)
                guard fields.count == 9 else { continue }
                #expect(fields[1] == "pacs" && fields[2] == "delivered" && fields[3] == "1" && fields[4] == "0000")
                #expect(fields[6] == "forwarded" && fields[7].hasPrefix("forwarded/"))
            }
            #expect(try await cli.run(["jobs", "deliveries", "--state", "failed"]).split(separator: "\n").count == 1, "header only")

            let dry = try await cli.run(["replay", "--study", study, "--dry-run"])
            #expect(dry.contains("3 object(s) would be sent"), "\(dry)")
            #expect(dry.components(separatedBy: "forwarded/").count - 1 == 3)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.jobs") == 0, "a dry run enqueues nothing")
            #expect(peer.files.count == 3)

            let real = try await cli.run(["replay", "--study", study])
            #expect(real.contains("3 job(s) enqueued"), "\(real)")
            let again = try await gw.eventually { peer.files.count == 6 }
            #expect(again, "the replay re-sent every object from forwarded/")
            let resettled = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered' AND settled AND attempts = 2") == 3
            }
            #expect(resettled)
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.audit_events WHERE action = 'forward.replay'") == 1)
        }
    }

    @Test("consecutive connection failures open the breaker: the lane pauses and no attempt is spent meanwhile")
    func circuitBreaker() async throws {
        try await ForwardHarness.run { gw in
            let port = try LoopbackPort.free()  // nothing listens there
            try await gw.addDestination("down", port: port) {
                $0.breakerThreshold = 2
                $0.breakerPause = 30
                $0.retryInitialDelay = 0.2
                $0.retryMaxDelay = 0.2
                $0.maxAttempts = 3
            }
            try await gw.addRoute("all", to: ["down"])
            let (_, files) = try await gw.makeStudy(count: 2)
            try await gw.send(files)
            let open = try await gw.eventually {
                try await gw.count("""
                    SELECT count(*) FROM dicom_gw.job_lanes l JOIN dicom_gw.destinations d ON l.lane = 'destination:' || d.id
                    WHERE d.name = 'down' AND l.paused_until > now() + interval '10 seconds'
                    """) == 1
            }
            #expect(open, "the lane was not paused by the breaker")
            let failures = try await gw.count("SELECT connection_failures FROM dicom_gw.destinations WHERE name = 'down'")
            #expect(failures >= 2)
            // While open: no further connection attempts, and the jobs wait with attempts to spare.
            try await Task.sleep(for: .seconds(2))
            #expect(try await gw.count("SELECT connection_failures FROM dicom_gw.destinations WHERE name = 'down'") == failures)
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.jobs WHERE state <> 'running'") == 2)
            #expect(try await gw.count("SELECT max(attempt) FROM dicom_gw.jobs") < 3)
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.job_dead_letters") == 0)
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'pending'") == 2)
        }
    }
}
