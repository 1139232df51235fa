import Foundation
import JobQueue
import PostgresClient
import TestSupport
import Testing

@Suite("JobQueue failures, retries and operator actions", .requiresDatabase)
struct FailureTests {
    /// Seconds until the job's run_at, by the database clock.
    private func wait(_ f: QueueFixture, _ id: Int64) async throws -> Double {
        try await f.scalar(Double.self,
            "SELECT extract(epoch FROM run_at - now())::float8 FROM dicom_gw.jobs WHERE id = $1", [id])
    }

    @Test("transient failures back off exponentially up to the cap, then dead-letter")
    func backoffAndAttemptLimit() async throws {
        try await QueueFixture.with { f in
            let w = try await f.worker()
            try await f.queue.configureLane("L", LanePolicy(
                maxAttempts: 5, backoffBase: .seconds(10), backoffMax: .seconds(35), backoffJitter: 0))
            let id = try #require(try await f.queue.enqueue([NewJob(kind: "k", lane: "L")], into: "q")[0])
            var waits: [Double] = []
            for attempt in 1...5 {
                let job = try #require(try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .seconds(30)).first)
                #expect(job.attempt == Int32(attempt))
                let outcome = try await f.queue.fail(job.lease, kind: .transient, message: "timeout \(attempt)")
                if attempt < 5 {
                    #expect(outcome == .retrying)
                    waits.append(try await wait(f, id))
                    try await f.makeScheduledDue()
                } else {
                    #expect(outcome == .discarded)
                }
            }
            // 10, 20, 40 → capped at 35, 35.
            let expected: [Double] = [10, 20, 35, 35]
            for (got, want) in zip(waits, expected) {
                #expect(abs(got - want) < 1.0, "backoff \(got) s, expected \(want) s")
            }
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.jobs") == 0)
            let errors = try await f.count(
                "SELECT jsonb_array_length(errors) FROM dicom_gw.job_dead_letters WHERE id = $1", [id])
            #expect(errors == 5)
            #expect(try await f.count(
                "SELECT coalesce(sum(failures), 0)::bigint FROM dicom_gw.job_failures_hourly WHERE lane = 'L' AND error_kind = 'transient'") == 5)
        }
    }

    @Test("jitter takes off at most its fraction of the wait")
    func jitter() async throws {
        try await QueueFixture.with { f in
            let w = try await f.worker()
            try await f.queue.configureLane("J", LanePolicy(backoffBase: .seconds(100), backoffJitter: 0.5))
            let ids = try await f.queue.enqueue(.noop(20, lane: "J"), into: "q").compactMap { $0 }
            let jobs = try await f.queue.claim(queue: "q", worker: w, limit: 20, lease: .seconds(30))
            #expect(jobs.count == 20)
            for job in jobs { try await f.queue.fail(job.lease, kind: .transient, message: "x") }
            var waits: [Double] = []
            for id in ids { waits.append(try await wait(f, id)) }
            #expect(waits.allSatisfy { $0 > 49 && $0 <= 100.1 })
            #expect(Set(waits.map { Int($0) }).count > 3, "waits were not spread: \(waits)")
        }
    }

    @Test("a permanent failure dead-letters at once; manual retry brings it back with fresh attempts")
    func permanentAndRetry() async throws {
        try await QueueFixture.with { f in
            let w = try await f.worker()
            let id = try #require(try await f.queue.enqueue(
                [NewJob(kind: "k", lane: "L", dedupeKey: "sop:1")], into: "q")[0])
            let job = try #require(try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .seconds(30)).first)
            #expect(try await f.queue.fail(job.lease, kind: .permanent, message: "rejected: bad data") == .discarded)
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_dead_letters WHERE id = $1", [id]) == 1)
            #expect(try await f.queue.retry([id]) == [id])
            #expect(try await f.queue.retry([id]).isEmpty, "a live job cannot be retried twice")
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_dead_letters") == 0)
            let again = try #require(try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .seconds(30)).first)
            #expect(again.id == id)
            #expect(again.attempt == 1)
            #expect(again.lastError == "rejected: bad data")
            #expect(try await f.queue.complete([again.lease]).isEmpty)
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_history WHERE id = $1", [id]) == 2)
        }
    }

    @Test("snooze and outage give the attempt back; outage pauses the lane")
    func snoozeAndOutage() async throws {
        try await QueueFixture.with { f in
            let w = try await f.worker()
            try await f.queue.configureLane("L", LanePolicy(maxAttempts: 1))
            let ids = try await f.queue.enqueue(.noop(2, lane: "L"), into: "q").compactMap { $0 }
            // Snooze three times: attempts stay unspent (max_attempts is 1).
            for _ in 0..<3 {
                let job = try #require(try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .seconds(30)).first)
                #expect(job.attempt == 1)
                #expect(try await f.queue.snooze(job.lease, for: .zero))
            }
            #expect(try await f.count("SELECT sum(snooze_count)::bigint FROM dicom_gw.jobs") == 3)
            #expect(try await f.count("SELECT max(attempt)::bigint FROM dicom_gw.jobs") == 0)

            let job = try #require(try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .seconds(30)).first)
            #expect(try await f.queue.fail(job.lease, kind: .outage, message: "connection refused",
                                          retryIn: .seconds(60)) == .snoozed)
            #expect(try await f.scalar(Bool.self, "SELECT paused FROM dicom_gw.job_lane_status WHERE lane = 'L'"))
            #expect(try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .seconds(30)).isEmpty)
            #expect(try await f.count("SELECT attempt::bigint FROM dicom_gw.jobs WHERE id = $1", [job.id]) == 0)
            #expect(try await wait(f, job.id) > 55)
            try await f.queue.resumeLane("L")
            try await f.makeScheduledDue()
            let both = try await f.queue.claim(queue: "q", worker: w, limit: 5, lease: .seconds(30))
            #expect(Set(both.map(\.id)) == Set(ids))
            #expect(both.allSatisfy { $0.attempt == 1 })
        }
    }

    @Test("cancel a queued and a running job; the running attempt's report is rejected")
    func cancel() async throws {
        try await QueueFixture.with { f in
            let w = try await f.worker()
            let ids = try await f.queue.enqueue(.noop(2, lane: "L"), into: "q").compactMap { $0 }
            let running = try #require(try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .seconds(30)).first)
            #expect(try await f.queue.cancel(ids, reason: "operator alice") == ids.sorted())
            #expect(try await f.queue.extend([running.lease], by: .seconds(30)) == [running.lease])
            #expect(try await f.queue.complete([running.lease]) == [running.lease])
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_history WHERE outcome = 'cancelled'") == 2)
            #expect(try await f.count("SELECT coalesce(sum(stale_completions), 0)::bigint FROM dicom_gw.job_events_hourly") >= 1)
            #expect(try await f.queue.retry([running.id]) == [running.id])
        }
    }

    @Test("fencing: a rescued attempt's complete, fail, snooze and extend are all rejected")
    func fencing() async throws {
        try await QueueFixture.with { f in
            let w = try await f.worker()
            try await f.queue.enqueue(.noop(1, lane: "L"), into: "q")
            let old = try #require(try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .milliseconds(1)).first)
            try await Task.sleep(for: .milliseconds(20))
            let rescued = try await f.queue.rescue(silence: .seconds(60))
            #expect(rescued.map(\.id) == [old.id])
            let new = try #require(try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .seconds(30)).first)
            #expect(new.lease.leaseID != old.lease.leaseID)
            #expect(new.attempt == 2)
            #expect(try await f.queue.complete([old.lease]) == [old.lease])
            #expect(try await f.queue.fail(old.lease, kind: .transient, message: "late") == .stale)
            #expect(try await !f.queue.snooze(old.lease, for: .zero))
            #expect(try await f.queue.extend([old.lease], by: .seconds(1)) == [old.lease])
            #expect(try await f.queue.extend([new.lease], by: .seconds(1)).isEmpty)
            #expect(try await f.queue.complete([new.lease]).isEmpty)
            let events = try await f.pool.query(
                "SELECT sum(stale_completions)::bigint AS s, sum(rescues)::bigint AS r FROM dicom_gw.job_events_hourly")
            #expect(try events[0].decode(Int64.self, column: "s") == 3)
            #expect(try events[0].decode(Int64.self, column: "r") == 1)
            let counts = try await f.queue.eventCounts()
            #expect(counts.staleCompletions == 3 && counts.rescues == 1)
        }
    }
}
