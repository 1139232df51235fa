import Foundation
import JobQueue
import MetricsTestKit
import PostgresClient
import TestSupport
import Testing

@Suite("JobQueue inspection views and metrics sampler", .requiresDatabase)
struct MetricsSamplerTests {
    @Test("the sampler publishes depth, oldest wait, finished, failures, stale completions and rescues; drained series go to 0")
    func sampler() async throws {
        try await QueueFixture.with { f in
            let metrics = TestMetrics()
            let sampler = JobMetricsSampler(queue: f.queue, factory: metrics, logger: TestDatabase.logger)
            let w = try await f.worker()
            try await f.queue.enqueue(.noop(5, lane: "dest:1"), into: "q")
            try await f.queue.enqueue([NewJob(kind: "k", lane: "dest:2", delay: .seconds(600))], into: "q")
            let jobs = try await f.queue.claim(queue: "q", worker: w, limit: 3, lease: .seconds(30))
            #expect(jobs.count == 3)
            try await f.queue.complete([jobs[0].lease])
            #expect(try await f.queue.fail(jobs[1].lease, kind: .permanent, message: "rejected") == .discarded)
            #expect(try await f.queue.fail(jobs[2].lease, kind: .transient, message: "timeout") == .retrying)
            #expect(try await f.queue.complete([jobs[0].lease]) == [jobs[0].lease], "a stale completion")
            try await f.queue.pauseLane("dest:1", reason: "test")

            try await sampler.sample()
            func gauge(_ label: String, _ dims: [(String, String)]) throws -> Double? {
                try metrics.expectGauge(label, dims).lastValue
            }
            let available = [("queue", "q"), ("lane", "dest:1"), ("state", "available")]
            #expect(try gauge(JobMetricsSampler.Label.jobs, available) == 2)
            #expect(try gauge(JobMetricsSampler.Label.jobs, [("queue", "q"), ("lane", "dest:1"), ("state", "scheduled")]) == 1)
            #expect(try gauge(JobMetricsSampler.Label.jobs, [("queue", "q"), ("lane", "dest:2"), ("state", "scheduled")]) == 1)
            #expect(try gauge(JobMetricsSampler.Label.oldestWait, available) ?? -1 >= 0)
            #expect(try gauge(JobMetricsSampler.Label.lanePaused, [("lane", "dest:1")]) == 1)
            #expect(try gauge(JobMetricsSampler.Label.lanePaused, [("lane", "dest:2")]) == 0)
            #expect(try gauge(JobMetricsSampler.Label.finished, [("queue", "q"), ("lane", "dest:1"), ("outcome", "completed")]) == 1)
            #expect(try gauge(JobMetricsSampler.Label.finished, [("queue", "q"), ("lane", "dest:1"), ("outcome", "discarded")]) == 1)
            #expect(try gauge(JobMetricsSampler.Label.failures, [("queue", "q"), ("lane", "dest:1"), ("kind", "permanent")]) == 1)
            #expect(try gauge(JobMetricsSampler.Label.failures, [("queue", "q"), ("lane", "dest:1"), ("kind", "transient")]) == 1)
            #expect(try gauge(JobMetricsSampler.Label.staleCompletions, []) == 1)
            #expect(try gauge(JobMetricsSampler.Label.rescues, []) == 0)

            // The views say the same.
            #expect(try await f.count(
                "SELECT jobs FROM dicom_gw.job_depth WHERE lane = 'dest:1' AND state = 'available'") == 2)
            #expect(try await f.count("SELECT sum(jobs)::bigint FROM dicom_gw.job_finished_last_hour") == 2)
            #expect(try await f.count("SELECT sum(failures)::bigint FROM dicom_gw.job_failures_last_hour") == 2)

            // Drain dest:1: its series fall to 0 rather than keep their last value.
            try await f.pool.execute("DELETE FROM dicom_gw.jobs WHERE lane = 'dest:1'")
            try await sampler.sample()
            #expect(try gauge(JobMetricsSampler.Label.jobs, available) == 0)
            #expect(try gauge(JobMetricsSampler.Label.jobs, [("queue", "q"), ("lane", "dest:2"), ("state", "scheduled")]) == 1)
        }
    }
}
