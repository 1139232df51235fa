import DICOMNetwork
import Foundation
import Gateway
import PostgresClient
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Forward workers as real `dicom-gw worker` / `dicom-gw serve` processes on one database:
/// killed, frozen, and several at once against one destination's limits.
@Suite("Forwarding across processes", .requiresDatabase, .serialized)
struct ForwardProcessTests {
    /// The SOP Instance UIDs of the files a peer received (one entry per arrival).
    static func arrivals(_ peer: StoreSCPPeer) async -> [String] {
        var uids: [String] = []
        for file in peer.files {
            if let summary = try? await DICOMFileSummary.read(path: file.path) { uids.append(summary.sopInstanceUID) }
        }
        return uids
    }

    /// The `job_workers` id of the process with `pid`, once it registered.
    static func workerID(of pid: Int32, in gw: ForwardHarness) async throws -> Int64? {
        try await gw.pool.query("SELECT id FROM dicom_gw.job_workers WHERE pid = $1 ORDER BY id DESC LIMIT 1", [pid])
            .first?.decode(Int64.self, column: "id")
    }

    @Test("kill -9 of a worker mid-batch: everything arrives, its jobs are rescued; a frozen worker's late results are fenced off")
    func killedAndFrozenWorkers() async throws {
        try await ForwardHarness.run(workers: 0) { gw in
            // Slow on purpose (each reception runs a synchronous 100 ms command), so batches are
            // long enough to be caught mid-way.
            let peer = try StoreSCPPeer(directory: gw.root.appendingPathComponent("peer"))
            try await peer.start(extra: ["+uf", "--fork", "-xcr", "sleep 0.1", "-xs"])
            try await gw.addDestination("pacs", port: peer.port) {
                $0.maxAssociations = 4
                $0.maxAttempts = 10
            }
            try await gw.addRoute("all", to: ["pacs"]) { $0.archivePolicy = "archive" }
            // Paused until the workers are up, so each claims a full batch.
            try await gw.setPaused("pacs", true)
            let (_, files) = try await gw.makeStudy(count: 30)
            try await gw.send(files)

            let cli = try GatewayCLI(databaseURL: gw.databaseURL, root: gw.root)
            let doomed = try cli.start(["worker", "--count", "1"], name: "doomed")
            let frozen = try cli.start(["worker", "--count", "1"], name: "frozen")
            defer {
                doomed.signal(SIGKILL)
                frozen.signal(SIGCONT)
                frozen.signal(SIGKILL)
            }
            let registered = try await gw.eventually(timeout: .seconds(30)) {
                let first = try await Self.workerID(of: doomed.pid, in: gw)
                let second = try await Self.workerID(of: frozen.pid, in: gw)
                return first != nil && second != nil
            }
            try #require(registered, "worker processes did not register: \(doomed.output) \(frozen.output)")
            let doomedID = try #require(try await Self.workerID(of: doomed.pid, in: gw))
            let frozenID = try #require(try await Self.workerID(of: frozen.pid, in: gw))
            try await gw.setPaused("pacs", false)

            // Both mid-batch: each holds running jobs and something has arrived.
            let busy = try await gw.eventually(timeout: .seconds(30)) {
                let doomedRunning = try await gw.count(
                    "SELECT count(*) FROM dicom_gw.jobs WHERE state = 'running' AND worker_id = $1", [doomedID])
                let frozenRunning = try await gw.count(
                    "SELECT count(*) FROM dicom_gw.jobs WHERE state = 'running' AND worker_id = $1", [frozenID])
                return doomedRunning > 0 && frozenRunning > 0 && !peer.files.isEmpty
            }
            try #require(busy, "the workers never held batches at the same time")
            frozen.signal(SIGSTOP)
            await doomed.kill9()

            // A fresh worker takes over once the rescuer (in it) returns the dead and the
            // frozen process's jobs.
            let rescuer = try cli.start(["worker", "--count", "2"], name: "rescuer")
            defer { rescuer.signal(SIGKILL) }
            let delivered = try await gw.eventually(timeout: .seconds(60)) {
                try await gw.count("SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'") == 30
            }
            #expect(delivered, "\(rescuer.output.suffix(3000))")
            let arrived = Set(await Self.arrivals(peer))
            #expect(arrived.count == 30, "every object arrived at least once")

            // The frozen attempt wakes up after its jobs were delivered by another: whatever it
            // reports now is refused by the lease fence, in the queue and in the ledger.
            // (The ledger is written just before the queue hears of the completion: wait for both.)
            let drained = try await gw.eventually {
                try await gw.count("SELECT count(*) FROM dicom_gw.jobs") == 0
            }
            #expect(drained)
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.job_history WHERE rescue_count > 0") > 0, "jobs came back through the rescuer")
            let historyBefore = try await gw.count("SELECT count(*) FROM dicom_gw.job_history")
            let attemptsBefore = try await gw.count("SELECT sum(attempts) FROM dicom_gw.deliveries")
            frozen.signal(SIGCONT)
            let fenced = try await gw.eventually(timeout: .seconds(30)) {
                frozen.output.contains("superseded")
            }
            #expect(fenced, "the woken worker reported nothing stale: \(frozen.output.suffix(3000))")
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.job_history") == historyBefore, "no second ending for a job")
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.job_history WHERE outcome = 'completed'") == 30)
            #expect(try await gw.count("SELECT sum(attempts) FROM dicom_gw.deliveries") == attemptsBefore, "the ledger kept the newer attempts")
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.deliveries WHERE state <> 'delivered'") == 0)
        }
    }

    @Test("two worker processes and one serve on one database: no object sent twice, the association limit holds")
    func workersAndServeShareTheLimit() async throws {
        try await ForwardHarness.run(workers: 0) { gw in
            let peer = try StoreSCPPeer(directory: gw.root.appendingPathComponent("peer"))
            try await peer.start(extra: ["+uf", "--fork", "-xcr", "sleep 0.01", "-xs"])
            try await gw.addDestination("pacs", port: peer.port) {
                $0.maxAssociations = 2
                $0.maxObjectsPerAssociation = 5
            }
            try await gw.addRoute("all", to: ["pacs"])
            try await gw.setPaused("pacs", true)

            // Claims of 3 under a lane cap of 10 running: up to three claims at once, so the
            // association slots (not the lane cap) are what holds the destination to 2.
            let cli = try GatewayCLI(databaseURL: gw.databaseURL, root: gw.root, batchSize: 3)
            let servePort = try LoopbackPort.free()
            let adminPort = try LoopbackPort.free()
            let serve = try cli.start(
                ["serve", "--port", "\(servePort)", "--host", "127.0.0.1", "--ae-title", "DICOM_GW",
                 "--admin-listen", "127.0.0.1:\(adminPort)"], name: "serve")
            let workers = try (0..<2).map { try cli.start(["worker", "--count", "2"], name: "worker-\($0)") }
            defer { for child in workers + [serve] { child.signal(SIGKILL) } }
            let up = try await gw.eventually(timeout: .seconds(30)) {
                let registered = try await gw.count("SELECT count(*) FROM dicom_gw.job_workers")
                return LoopbackPort.accepts(servePort) && registered >= 3
            }
            try #require(up, "processes did not come up: \(serve.output.suffix(2000))")

            // Received by the serve process, queued while the destination is paused.
            let (_, files) = try await gw.makeStudy(count: 40)
            try await gw.send(files, to: servePort)
            #expect(try await gw.count("SELECT count(*) FROM dicom_gw.jobs WHERE queue = 'forward'") == 40)

            // Sample while the three processes drain it: open associations at the peer, slots
            // held in the database, running jobs of the lane.
            let peaks = Peaks()
            let sampler = Task {
                while !Task.isCancelled {
                    let slots = (try? await gw.count("""
                        SELECT count(*) FROM dicom_gw.forward_slots s WHERE s.lease_ids IS NOT NULL AND EXISTS (
                            SELECT 1 FROM dicom_gw.jobs j WHERE j.state = 'running' AND j.lane = s.lane AND j.lease_id = ANY (s.lease_ids))
                        """)) ?? 0
                    let running = (try? await gw.count("SELECT count(*) FROM dicom_gw.jobs WHERE state = 'running'")) ?? 0
                    let open = peer.openAssociations
                    peaks.value.withLock {
                        $0.associations = max($0.associations, open)
                        $0.slots = max($0.slots, slots)
                        $0.running = max($0.running, running)
                    }
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }
            try await gw.setPaused("pacs", false)
            let delivered = try await gw.eventually(timeout: .seconds(90)) {
                try await gw.count("SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'") == 40
            }
            sampler.cancel()
            _ = await sampler.value
            #expect(delivered)
            let peak = peaks.value.withLock { $0 }
            // Two at once happened (the limit was reached, as the slots show), never three. The
            // peer's side is sampled between two queries and may miss associations of a few
            // milliseconds altogether (five small objects each, sent back to back), so it only
            // bounds from above.
            #expect(peak.associations <= 2, "peak open associations \(peak.associations)")
            #expect(peak.slots == 2, "peak slots held \(peak.slots)")
            #expect(peak.running <= 2 * 5, "peak running jobs \(peak.running)")
            // Without crashes every object goes exactly once (storescp +uf keeps each arrival).
            let arrivals = await Self.arrivals(peer)
            #expect(arrivals.count == 40)
            #expect(Set(arrivals).count == 40)
            // More than one process did the work.
            #expect(try await gw.count("SELECT count(DISTINCT worker_id) FROM dicom_gw.job_history WHERE outcome = 'completed'") >= 2)
        }
    }
}

/// The highest values a sampler saw.
final class Peaks: Sendable {
    let value = Mutex((associations: 0, slots: 0, running: 0))
}
