import DICOMNetwork
import Foundation
import Gateway
import JobQueue
import Logging
import PostgresClient
import Storage
import Testing
import TestSupport

/// storescu → gateway → storescp, with a real PostgreSQL and DCMTK on both sides.
@Suite("Forwarding end to end", .requiresDatabase, .serialized)
struct ForwardEndToEndTests {
    @Test("every object reaches both destinations with its data set byte-identical")
    func twoDestinationsByteIdentical() async throws {
        try await ForwardHarness.run { gw in
            let a = try StoreSCPPeer(directory: gw.root.appendingPathComponent("peer-a"))
            let b = try StoreSCPPeer(directory: gw.root.appendingPathComponent("peer-b"))
            try await a.start()
            try await b.start()
            try await gw.addDestination("a", port: a.port)
            try await gw.addDestination("b", port: b.port)
            try await gw.addRoute("all", to: ["a", "b"]) { $0.archivePolicy = "archive" }
            let (_, files) = try await gw.makeStudy(count: 5)
            try await gw.send(files)
            let done = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'") == 10
            }
            #expect(done)
            #expect(a.files.count == 5)
            #expect(b.files.count == 5)
            let sent = Set(try await files.asyncMap { try await ForwardHarness.dataSet(of: $0) })
            for peer in [a, b] {
                let received = Set(try await peer.files.asyncMap { try await ForwardHarness.dataSet(of: $0) })
                #expect(received == sent)
            }
            // Archive policy: every file moved to forwarded/, and the rows say so.
            let archived = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.instances WHERE storage_state = 'forwarded' AND file_path LIKE 'forwarded/%'") == 5
            }
            #expect(archived)
            let paths = try await gw.pool.query("SELECT file_path FROM dicom_gw.instances").map { try $0.decode(String.self, column: "file_path") }
            for path in paths { #expect(FileManager.default.fileExists(atPath: gw.layout.absolute(path))) }
        }
    }

    @Test("a destination down for a while: jobs wait, then all arrive without exhausting attempts")
    func destinationDownThenUp() async throws {
        try await ForwardHarness.run { gw in
            let peer = try StoreSCPPeer(directory: gw.root.appendingPathComponent("peer"))
            try await gw.addDestination("late", port: peer.port) {
                $0.breakerThreshold = 1
                $0.maxAttempts = 3
            }
            try await gw.addRoute("all", to: ["late"])
            let (_, files) = try await gw.makeStudy(count: 4)
            try await gw.send(files)
            // Several connection failures pass (breaker pauses of 1 s) before the peer starts.
            let failedOnce = try await gw.eventually {
                try await gw.count("SELECT connection_failures FROM dicom_gw.destinations WHERE name = 'late'") >= 2
            }
            #expect(failedOnce)
            try await peer.start()
            let done = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'") == 4
            }
            #expect(done)
            #expect(peer.files.count == 4)
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.job_dead_letters") == 0)
        }
    }

    @Test("a refusing destination dead-letters with the reason, the file goes to failed/, jobs retry re-sends")
    func refusingDestination() async throws {
        try await ForwardHarness.run { gw in
            let peer = try StoreSCPPeer(directory: gw.root.appendingPathComponent("peer"))
            try await peer.start(extra: ["--refuse"])
            try await gw.addDestination("refuser", port: peer.port)
            try await gw.addRoute("all", to: ["refuser"]) { $0.archivePolicy = "archive" }
            let (_, files) = try await gw.makeStudy(count: 2)
            try await gw.send(files)
            let dead = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'failed' AND last_error LIKE '%rejected%'") == 2
            }
            #expect(dead)
            let inFailed = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.instances WHERE storage_state = 'failed' AND file_path LIKE 'failed/%'") == 2
            }
            #expect(inFailed)
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.audit_events WHERE action = 'forward.dead_letter'") == 2)

            // The fix: the peer accepts again; an operator retries the dead letters.
            await peer.stop()
            try await peer.start()
            let ops = ForwardOperations(queue: JobQueue(pool: gw.pool, logger: gw.logger))
            let retried = try await ops.retry(try await ops.deadLetters(destination: "refuser"), actor: .user("test"))
            #expect(retried.count == 2)
            let delivered = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'") == 2
            }
            #expect(delivered)
            #expect(peer.files.count == 2)
            // Settled again: delivered, so archived to forwarded/.
            let archived = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.instances WHERE storage_state = 'forwarded' AND file_path LIKE 'forwarded/%'") == 2
            }
            #expect(archived)
        }
    }

    // Was disabled: storescp refuses `-xf` together with `+xa` (accept all) and exited at
    // once, so the destination was simply down; the peer helper now drops `+xa` with `-xf`
    // and fails loudly when storescp does not listen.
    @Test("a SOP class the destination does not accept is dead-lettered per object")
    func unsupportedSOPClass() async throws {
        try await ForwardHarness.run { gw in
            let peer = try StoreSCPPeer(directory: gw.root.appendingPathComponent("peer"))
            // A destination whose only presentation context is Verification: it accepts the
            // association but none of the storage contexts the batch proposes.
            try await peer.start(extra: ["-xf", Self.verificationOnlyConfig(in: gw.root).path, "Default"])
            try await gw.addDestination("picky", port: peer.port)
            try await gw.addRoute("all", to: ["picky"]) { $0.archivePolicy = "archive" }
            let (_, files) = try await gw.makeStudy(count: 2)
            try await gw.send(files)
            let dead = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'failed' AND last_error LIKE '%does not accept%'") == 2
            }
            #expect(dead)
            // Permanent at once: one attempt each, no retry, the files in failed/.
            #expect(try await gw.count("SELECT max(attempts) FROM dicom_gw.deliveries") == 1)
            let lettered = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.job_dead_letters") == 2
            }
            #expect(lettered)
            let inFailed = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.instances WHERE storage_state = 'failed' AND file_path LIKE 'failed/%'") == 2
            }
            #expect(inFailed)
            #expect(peer.files.isEmpty)
        }
    }

    static func verificationOnlyConfig(in root: URL) throws -> URL {
        let url = root.appendingPathComponent("storescp.cfg")
        try """
            [[TransferSyntaxes]]
            [Uncompressed]
            TransferSyntax1 = LittleEndianExplicit
            TransferSyntax2 = LittleEndianImplicit
            [[PresentationContexts]]
            [Verification]
            PresentationContext1 = VerificationSOPClass\\Uncompressed
            [[Profiles]]
            [Default]
            PresentationContexts = Verification
            """.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test("study-stable sends the study on one association after the quiet period, a late object as a delta")
    func studyStable() async throws {
        try await ForwardHarness.run { gw in
            let peer = try StoreSCPPeer(directory: gw.root.appendingPathComponent("peer"))
            try await peer.start()
            try await gw.addDestination("pacs", port: peer.port)
            try await gw.addRoute("stable", to: ["pacs"]) {
                $0.mode = .studyStable
                $0.stableSeconds = 4  // generous: a loaded machine must not let the first two go before the third arrives
            }
            let (study, files) = try await gw.makeStudy(count: 3)
            try await gw.send(Array(files.prefix(2)))
            try await Task.sleep(for: .seconds(1))
            try await gw.send([files[2]])  // extends the quiet period of the two waiting jobs
            try await Task.sleep(for: .seconds(2))
            #expect(peer.files.isEmpty, "nothing may leave before the study is quiet")
            let done = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'") == 3
            }
            #expect(done)
            // One claim (one association): the three attempts started together.
            let firstEnded = try await gw.eventually { try await gw.count("SELECT count(*) FROM dicom_gw.job_history") == 3 }
            #expect(firstEnded)
            let history = try await gw.pool.query(
                "SELECT id || ' ' || attempt || ' ' || snooze_count || ' ' || started_at || ' ' || enqueued_at AS h FROM dicom_gw.job_history ORDER BY id"
            ).map { try $0.decode(String.self, column: "h") }
            #expect(try await gw.count("SELECT count(DISTINCT started_at) FROM dicom_gw.job_history WHERE outcome = 'completed'") == 1, "\(history)")

            let (_, late) = try await gw.makeStudy(count: 1, study: study)
            try await gw.send(late)
            let delta = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'") == 4
            }
            #expect(delta)
            #expect(peer.files.count == 4, "the late object alone, not the whole study again")
            // The ledger is written just before the queue hears of the completion.
            let ended = try await gw.eventually { try await gw.count("SELECT count(*) FROM dicom_gw.job_history") == 4 }
            #expect(ended)
        }
    }

    @Test("a file recovery indexes (placed, then a crash before commit) is forwarded like a received one; the resend adds nothing")
    func indexedOrphanIsForwarded() async throws {
        try await ForwardHarness.run { gw in
            let peer = try StoreSCPPeer(directory: gw.root.appendingPathComponent("peer"))
            try await peer.start()
            try await gw.addDestination("pacs", port: peer.port)
                        // A condition on a tag the row does not hold: the hook reads it from the file.
            try await gw.addRoute("station", to: ["pacs"]) { $0.conditions = [try RouteCondition(parsing: "StationName=ORPHANST")] }
            let (study, files) = try await gw.makeStudy(count: 1, modify: ["-i", "(0008,1010)=ORPHANST"])
            let summary = try await DICOMFileSummary.read(path: files[0].path)
            let sop = summary.sopInstanceUID
            // The crash window: the file is in the tree, its transaction never committed.
            let path = "storage/studies/\(study)/\(study).1/\(sop).dcm"
            try FileManager.default.createDirectory(
                atPath: gw.layout.absolute("storage/studies/\(study)/\(study).1"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: files[0].path, toPath: gw.layout.absolute(path))

            let hook = ForwardHooks(queue: JobQueue(pool: gw.pool, logger: gw.logger)).orphanIndexedHook(layout: gw.layout, io: BlockingIO())
            let recovered = try await StartupRecovery.indexOrphans(
                in: gw.layout, io: BlockingIO(), pool: gw.pool,
                modifiedBefore: Int64((Date().timeIntervalSince1970 + 1) * 1e9), onIndexed: hook)
            #expect(recovered.indexed == 1)
            let delivered = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'") == 1
            }
            #expect(delivered)
            #expect(peer.files.count == 1)

            // The sender never saw 0000 and sends it again: an identical duplicate, no new job.
            try await gw.send(files)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.deliveries") == 1)
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.instances") == 1)
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
