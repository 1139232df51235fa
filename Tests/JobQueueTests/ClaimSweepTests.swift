import Foundation
@testable import JobQueue
import PostgresClient
import TestSupport
import Testing

/// The claim modes that keep claims cheap under a pinned snapshot (migration 0007): a hinted
/// claim seeks past the hint, a sweep looks back a little, a full claim sees everything.
@Suite("JobQueue hinted claims, sweeps and windowed promotion", .requiresDatabase)
struct ClaimSweepTests {
    @Test("hints skip what lies behind them; a better priority, a sweep and a full claim find it")
    func hintsAndSweeps() async throws {
        try await QueueFixture.with { f in
            let w = try await f.worker()
            try await f.queue.enqueue(.noop(4, lane: "L"), into: "q")
            let first = try await f.queue.claim(queue: "q", worker: w, limit: 2, lease: .seconds(30))
            #expect(first.count == 2)
            var hints = ClaimHints()
            hints.record(first)

            // A job that became available 5 s behind the hint (a slow enqueuing transaction).
            let late = try #require(try await f.queue.enqueue([NewJob(kind: "late", lane: "L")], into: "q")[0])
            try await f.pool.execute(
                "UPDATE dicom_gw.jobs SET run_at = run_at - interval '5 seconds' WHERE id = $1", [late])
            // And one 2 h behind (beyond any look-back).
            let ancient = try #require(try await f.queue.enqueue([NewJob(kind: "ancient", lane: "L")], into: "q")[0])
            try await f.pool.execute(
                "UPDATE dicom_gw.jobs SET run_at = run_at - interval '2 hours' WHERE id = $1", [ancient])
            // A better priority than the hint's.
            let urgent = try #require(try await f.queue.enqueue(
                [NewJob(kind: "urgent", lane: "L", priority: -1)], into: "q")[0])

            func claimOne(_ hints: ClaimHints?, lookback: Duration = .zero) async throws -> ClaimedJob? {
                try await f.queue.claim(
                    queue: "q", worker: w, limit: 1, lease: .seconds(30), lanes: nil, hints: hints,
                    lookback: lookback, promoteWindow: .seconds(60)).first
            }
            // The better priority comes first even past a hint.
            #expect(try await claimOne(hints)?.id == urgent)
            // A hinted claim does not see the late jobs: it takes the next one in order.
            let next = try #require(try await claimOne(hints))
            #expect(next.kind == "noop")
            hints.record([next])
            // A sweep with a 10 s look-back finds the 5 s late job, not the 2 h one.
            #expect(try await claimOne(hints, lookback: .seconds(10))?.id == late)
            let sweep = try await claimOne(hints, lookback: .seconds(10))
            #expect(sweep?.kind == "noop", "the sweep went on past the hint: \(String(describing: sweep?.kind))")
            #expect(try await claimOne(hints, lookback: .seconds(10)) == nil)
            // Only a full claim reaches the ancient one.
            #expect(try await claimOne(nil)?.id == ancient)
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.jobs WHERE state = 'available'") == 0)
        }
    }

    @Test("claims promote scheduled jobs due within their window; a full claim promotes all")
    func promotionWindow() async throws {
        try await QueueFixture.with { f in
            let w = try await f.worker()
            let ids = try await f.queue.enqueue(
                [NewJob(kind: "recent", lane: "L", delay: .seconds(60)), NewJob(kind: "old", lane: "L", delay: .seconds(60))],
                into: "q").compactMap { $0 }
            try await f.pool.execute("UPDATE dicom_gw.jobs SET run_at = now() - interval '1 second' WHERE id = $1", [ids[0]])
            try await f.pool.execute("UPDATE dicom_gw.jobs SET run_at = now() - interval '10 minutes' WHERE id = $1", [ids[1]])
            let windowed = try await f.queue.claim(
                queue: "q", worker: w, limit: 5, lease: .seconds(30), lanes: nil, hints: nil,
                promoteWindow: .seconds(60))
            #expect(windowed.map(\.id) == [ids[0]])
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.jobs WHERE state = 'scheduled'") == 1)
            let full = try await f.queue.claim(queue: "q", worker: w, limit: 5, lease: .seconds(30))
            #expect(full.map(\.id) == [ids[1]])
        }
    }

    @Test("a worker finds jobs that became available behind its hints, by sweep")
    func workerSweepsBehindHints() async throws {
        try await QueueFixture.with { f in
            let worker = JobWorker(
                queue: f.queue,
                configuration: .init(
                    queue: "q", concurrency: 1, batchSize: 5, pollInterval: .milliseconds(100),
                    hintSweepInterval: .milliseconds(200), hintLookback: .seconds(10), fullSweepInterval: .seconds(2)),
                logger: TestDatabase.logger
            ) { batch in batch.jobs.map { _ in .completed } }
            let task = Task { try await worker.run() }
            try await f.queue.enqueue(.noop(20), into: "q")
            #expect(try await f.eventually(timeout: .seconds(10)) { worker.stats.completed == 20 })
            // Behind the hint by 3 s (swept) and by 1 h (full sweep, every 2 s here), inserted
            // directly as a late commit would leave them.
            try await f.pool.execute("""
                INSERT INTO dicom_gw.jobs (queue, lane, kind, run_at) VALUES
                ('q', 'lane:1', 'late', now() - interval '3 seconds'),
                ('q', 'lane:1', 'ancient', now() - interval '1 hour')
                """)
            #expect(try await f.eventually(timeout: .seconds(10)) { worker.stats.completed == 22 })
            task.cancel()
            try await task.value
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_history WHERE kind IN ('late', 'ancient')") == 2)
        }
    }

    /// Enqueues `count` jobs into queue "q" and claims and completes them all, 500 at a time.
    private static func runAndFinish(_ count: Int, lane: String, worker: Int64, in f: QueueFixture) async throws {
        try await f.queue.enqueue(.noop(count, lane: lane), into: "q")
        while true {
            let jobs = try await f.queue.claim(queue: "q", worker: worker, limit: 500, lease: .seconds(60))
            if jobs.isEmpty { break }
            #expect(try await f.queue.complete(jobs.map(\.lease)).isEmpty)
        }
    }

    /// Migration 0012. Under a held snapshot every job run since leaves a dead entry in
    /// jobs_running_idx; once an analyze sees no running job, a statement that says
    /// `state = 'running'` is planned on that index and walks all of them (in the pinned
    /// benchmark: 0.5 to 2 s per completion, the queue down from ~38,000 to ~100 jobs/s).
    @Test("complete, fail, snooze and extend go by primary key under a pinned snapshot, whatever the statistics")
    func fencedStatementsAvoidTheRunningIndex() async throws {
        try await QueueFixture.with { f in
            let w = try await f.worker()
            try await f.pool.withConnection { pin in
                try await pin.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                _ = try await pin.query("SELECT count(*) FROM dicom_gw.jobs")
                // 5,000 jobs run and finish behind the snapshot.
                try await Self.runAndFinish(5000, lane: "L", worker: w, in: f)
                try await f.pool.execute("ANALYZE dicom_gw.jobs")
                try await f.queue.enqueue(.noop(4, lane: "L"), into: "q")
                let jobs = try await f.queue.claim(queue: "q", worker: w, limit: 4, lease: .seconds(60))
                try #require(jobs.count == 4)
                let ids = jobs.map(\.id)
                let leases = jobs.map(\.lease.leaseID)

                // The condition holds: with these statistics the planner takes the running
                // index for a lookup by id that also names the state.
                let plan = try await f.pool.query(
                    "EXPLAIN SELECT 1 FROM dicom_gw.jobs WHERE id = ANY ($1) AND lease_id = ANY ($2) AND state = 'running'",
                    [ids, leases]
                ).map { try $0.decode(String.self, at: 0) }.joined(separator: "\n")
                #expect(plan.contains("jobs_running_idx"), "the test no longer sets up the statistics it is about:\n\(plan)")

                // The queue's own statements, in one transaction so its scan counters are ours.
                try await f.pool.withTransaction { c in
                    // Differences: the counters may still hold earlier, unflushed transactions'.
                    let counters = """
                        SELECT pg_stat_get_xact_numscans('dicom_gw.jobs_running_idx'::regclass),
                               pg_stat_get_xact_numscans('dicom_gw.jobs_pkey'::regclass)
                        """
                    let before = try await c.query(counters)
                    _ = try await c.query("SELECT dicom_gw.job_extend($1, $2, 60)", [ids, leases])
                    _ = try await c.query("SELECT dicom_gw.job_fail($1, $2, 'transient', 'x')", [ids[0], leases[0]])
                    _ = try await c.query("SELECT dicom_gw.job_snooze($1, $2, 0)", [ids[1], leases[1]])
                    _ = try await c.query("SELECT dicom_gw.job_complete($1, $2)", [Array(ids[2...]), Array(leases[2...])])
                    let after = try await c.query(counters)
                    let running = try after[0].decode(Int64.self, at: 0) - before[0].decode(Int64.self, at: 0)
                    let primary = try after[0].decode(Int64.self, at: 1) - before[0].decode(Int64.self, at: 1)
                    #expect(running == 0, "a fenced statement scanned jobs_running_idx")
                    #expect(primary >= 4)
                }
                #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_history WHERE outcome = 'completed'") == 5002)
                try await pin.execute("ROLLBACK")
            }
        }
    }

    /// Migration 0013: a limited lane's claim counts its running jobs from the lane's lease
    /// floor, so the dead entries of jobs run behind a held snapshot are not walked again.
    @Test("a limited lane counts its running jobs from its lease floor under a pinned snapshot, and keeps its limit")
    func limitedLaneCountsFromTheLeaseFloor() async throws {
        try await QueueFixture.with { f in
            let w = try await f.worker()
            try await f.queue.enqueue(.noop(1, lane: "L"), into: "q")
            try await f.pool.execute("UPDATE dicom_gw.job_lanes SET max_running = 1000 WHERE lane = 'L'")
            func floor() async throws -> Int64 {
                try await f.scalar(Int64.self, "SELECT running_lease_floor FROM dicom_gw.job_lanes WHERE lane = 'L'")
            }
            try await f.pool.withConnection { pin in
                try await pin.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                _ = try await pin.query("SELECT count(*) FROM dicom_gw.jobs")
                // 3,000 jobs of the lane run and finish behind the snapshot.
                try await Self.runAndFinish(3000, lane: "L", worker: w, in: f)
                // One job runs now, claimed after all of those; the next claim raises the floor to it.
                try await f.queue.enqueue(.noop(3, lane: "L"), into: "q")
                let running = try #require(try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .seconds(60)).first)
                try await f.pool.execute("UPDATE dicom_gw.job_lanes SET running_floor_at = NULL WHERE lane = 'L'")
                let second = try #require(try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .seconds(60)).first)
                #expect(try await floor() == running.lease.leaseID)

                // The next claim reads the running jobs' entries, not the 3,000 dead ones.
                try await f.pool.execute("UPDATE dicom_gw.job_lanes SET max_running = 3 WHERE lane = 'L'")
                let read = try await f.pool.withTransaction { c -> Int64 in
                    // The counters may still hold earlier transactions' counts (not yet
                    // flushed), but nothing is flushed inside a transaction: take the difference.
                    func entriesRead() async throws -> Int64 {
                        let rows = try await c.query("SELECT pg_stat_get_xact_tuples_returned('dicom_gw.jobs_running_idx'::regclass)")
                        return try rows[0].decode(Int64.self, at: 0)
                    }
                    let before = try await entriesRead()
                    let third = try await f.queue.claim(
                        queue: "q", worker: w, limit: 5, lease: .seconds(60), lanes: nil, hints: nil,
                        lookback: .zero, promoteWindow: nil, on: c)
                    #expect(third.count == 1, "room for one more under max_running 3")
                    return try await entriesRead() - before
                }
                #expect(read < 100, "the count read \(read) entries of jobs_running_idx")
                // The limit holds: three run, none more is claimed.
                try await f.queue.enqueue(.noop(2, lane: "L"), into: "q")
                #expect(try await f.queue.claim(queue: "q", worker: w, limit: 5, lease: .seconds(60)).isEmpty)
                #expect(try await f.count("SELECT count(*) FROM dicom_gw.jobs WHERE state = 'running'") == 3)
                // When the oldest finishes the floor may rise past it, and the count stays right.
                #expect(try await f.queue.complete([running.lease]).isEmpty)
                try await f.pool.execute("UPDATE dicom_gw.job_lanes SET running_floor_at = NULL WHERE lane = 'L'")
                let more = try await f.queue.claim(queue: "q", worker: w, limit: 5, lease: .seconds(60))
                #expect(more.count == 1)
                #expect(try await floor() == second.lease.leaseID)
                try await pin.execute("ROLLBACK")
            }
        }
    }
}
