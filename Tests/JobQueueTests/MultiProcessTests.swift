import Foundation
import JobQueue
import PostgresClient
import TestSupport
import Testing

@Suite("JobQueue across worker processes", .requiresDatabase)
struct MultiProcessTests {
    static let runsTable = """
        CREATE TABLE public.test_job_runs (
            job_id bigint NOT NULL, lease_id bigint NOT NULL, lane text NOT NULL, pid bigint NOT NULL,
            started_at timestamptz NOT NULL, finished_at timestamptz NOT NULL)
        """

    @Test("three processes never run a job twice at once and never exceed a lane's limit")
    func concurrentProcesses() async throws {
        try await QueueFixture.with { f in
            try await f.pool.execute(Self.runsTable)
            let limits: [String: Int32] = ["dest:1": 1, "dest:2": 2, "dest:3": 3]
            for (lane, limit) in limits { try await f.queue.configureLane(lane, LanePolicy(maxRunning: limit)) }
            var jobs: [NewJob] = []
            for i in 0..<300 {
                let lane = ["dest:1", "dest:2", "dest:3", "open"][i % 4]
                jobs.append(NewJob(kind: "noop", lane: lane, groupKey: "study:\(i % 7)"))
            }
            try await f.queue.enqueue(jobs, into: "q")
            let workers = try (0..<3).map { _ in
                try WorkerProcess(url: f.database.url, queue: "q", arguments: [
                    "--concurrency", "4", "--batch", "3", "--sleep-ms", "15", "--record",
                ])
            }
            defer { workers.forEach { $0.terminate() } }
            // Sample the running set while they work.
            var samples = 0
            var worst: [String: Int64] = [:]
            let deadline = ContinuousClock.now + .seconds(90)
            while ContinuousClock.now < deadline {
                let rows = try await f.pool.query(
                    "SELECT lane, count(*) FROM dicom_gw.jobs WHERE state = 'running' GROUP BY lane")
                for row in rows {
                    let lane = try row.decode(String.self, at: 0)
                    worst[lane] = max(worst[lane] ?? 0, try row.decode(Int64.self, at: 1))
                }
                samples += 1
                if try await f.count("SELECT count(*) FROM dicom_gw.jobs") == 0 { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_history WHERE outcome = 'completed'") == 300)
            #expect(samples > 10)
            for (lane, limit) in limits {
                #expect((worst[lane] ?? 0) <= Int64(limit), "lane \(lane) ran \(worst[lane] ?? 0) > \(limit)")
            }
            #expect((worst["dest:3"] ?? 0) >= 2, "the sampler never saw dest:3 busy: \(worst)")
            // From the run log: each job ran once, by more than one process overall, and at no
            // instant did a lane run more than its limit.
            #expect(try await f.count("SELECT count(*) FROM public.test_job_runs") == 300)
            #expect(try await f.count("SELECT count(DISTINCT job_id) FROM public.test_job_runs") == 300)
            #expect(try await f.count("SELECT count(DISTINCT pid) FROM public.test_job_runs") == 3)
            // Claims on limited lanes never deadlock (their backends flush statistics as the
            // processes end).
            for w in workers {
                w.terminate()
                _ = await PrivateCluster.waitForExit(w.process)
            }
            try await Task.sleep(for: .seconds(1))
            #expect(try await f.count(
                "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()") == 0)
            let overlaps = try await f.pool.query("""
                SELECT r.lane, max(c)::bigint FROM (
                    SELECT a.lane, a.job_id, count(*) AS c
                    FROM public.test_job_runs a JOIN public.test_job_runs b
                      ON a.lane = b.lane AND b.started_at <= a.started_at AND b.finished_at > a.started_at
                    GROUP BY a.lane, a.job_id) r
                GROUP BY r.lane
                """)
            for row in overlaps {
                let lane = try row.decode(String.self, at: 0)
                let peak = try row.decode(Int64.self, at: 1)
                if let limit = limits[lane] {
                    #expect(peak <= Int64(limit), "run log: lane \(lane) peaked at \(peak) > \(limit)")
                }
            }
        }
    }

    @Test("kill -9 of a worker holding leases: jobs come back within the rescue window, the late completion is rejected")
    func killNine() async throws {
        try await QueueFixture.with { f in
            try await f.pool.execute(Self.runsTable)
            let ids = try await f.queue.enqueue(.noop(6, lane: "dest:1"), into: "q").compactMap { $0 }
            let victim = try WorkerProcess(url: f.database.url, queue: "q", arguments: [
                "--concurrency", "2", "--batch", "3", "--sleep-ms", "600000", "--heartbeat-ms", "200",
            ])
            defer { victim.terminate() }
            #expect(try await f.eventually(timeout: .seconds(20)) {
                try await f.count("SELECT count(*) FROM dicom_gw.jobs WHERE state = 'running'") == 6
            })
            let rows = try await f.pool.query("SELECT id, lease_id FROM dicom_gw.jobs WHERE state = 'running'")
            let oldLeases = try rows.map { JobLease(jobID: try $0.decode(Int64.self, at: 0), leaseID: try $0.decode(Int64.self, at: 1)) }
            await victim.kill9()
            let killedAt = ContinuousClock.now

            let rescuer = JobRescuer(
                queue: f.queue, configuration: .init(silence: .seconds(2), interval: .milliseconds(250)),
                logger: TestDatabase.logger)
            let rescuing = Task { try await rescuer.run() }
            defer { rescuing.cancel() }
            #expect(try await f.eventually(timeout: .seconds(10)) {
                try await f.count("SELECT count(*) FROM dicom_gw.jobs WHERE state = 'available'") == 6
            })
            let took = ContinuousClock.now - killedAt
            #expect(took < .seconds(4), "rescued after \(took), window is 2 s + 0.25 s")

            // A survivor finishes the work.
            let survivor = try WorkerProcess(url: f.database.url, queue: "q", arguments: [
                "--concurrency", "2", "--batch", "3", "--record",
            ])
            defer { survivor.terminate() }
            #expect(try await f.eventually(timeout: .seconds(20)) {
                try await f.count("SELECT count(*) FROM dicom_gw.job_history WHERE outcome = 'completed'") == 6
            })
            // The killed attempts report late: rejected and counted, nothing applied.
            let rejected = try await f.queue.complete(oldLeases)
            #expect(Set(rejected) == Set(oldLeases))
            #expect(try await f.count("SELECT sum(stale_completions)::bigint FROM dicom_gw.job_events_hourly") == 6)
            #expect(try await f.count("SELECT sum(rescues)::bigint FROM dicom_gw.job_events_hourly") == 6)
            #expect(try await f.count(
                "SELECT count(*) FROM dicom_gw.job_history WHERE id = ANY($1) AND attempt = 2 AND rescue_count = 1", [ids]) == 6)
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.jobs") == 0)
        }
    }
}
