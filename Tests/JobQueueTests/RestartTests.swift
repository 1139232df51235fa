import Foundation
import JobQueue
import Logging
import PostgresClient
import TestSupport
import Testing

@Suite("JobQueue across a server restart", .requiresDatabase)
struct RestartTests {
    @Test("pg restart during a run: workers reconnect and finish every job exactly once")
    func restartDuringRun() async throws {
        let cluster = try PrivateCluster.make()
        do {
            try await cluster.ctl("start")
            let url = try await cluster.url()
            let pool = PostgresPool(
                configuration: .init(url: url, maxConnections: 8, acquireTimeout: .seconds(30)),
                logger: TestDatabase.logger)
            try await MigrationRunner(pool: pool, directory: QueueFixture.migrations, schema: "dicom_gw").migrate()
            let queue = JobQueue(pool: pool, logger: TestDatabase.logger)
            try await pool.execute(MultiProcessTests.runsTable)
            try await queue.enqueue(.noop(3000), into: "q")
            // A worker in a process of its own too, on a queue of its own ("p", slower), so it
            // still has work after the restart: its pool and listener must reconnect.
            try await queue.enqueue(.noop(600), into: "p")
            let process = try WorkerProcess(url: url, queue: "p", arguments: [
                "--concurrency", "2", "--batch", "2", "--sleep-ms", "20", "--record", "--poll-ms", "200",
            ])
            defer { process.terminate() }
            let workers = (0..<2).map { _ in
                JobWorker(
                    queue: queue,
                    configuration: .init(queue: "q", concurrency: 3, batchSize: 10, pollInterval: .milliseconds(200)),
                    logger: TestDatabase.logger
                ) { batch in
                    try? await Task.sleep(for: .milliseconds(5))
                    return batch.jobs.map { _ in .completed }
                }
            }
            let rescuer = JobRescuer(
                queue: queue, configuration: .init(silence: .seconds(10), interval: .seconds(1)),
                logger: TestDatabase.logger)
            let tasks = workers.map { w in Task { try await w.run() } }
            let rescuing = Task { try await rescuer.run() }
            let start = ContinuousClock.now
            while workers.map(\.stats.completed).reduce(0, +) < 500, ContinuousClock.now - start < .seconds(30) {
                try await Task.sleep(for: .milliseconds(20))
            }
            let before = workers.map(\.stats.completed).reduce(0, +)
            let pLeft = try await pool.query("SELECT count(*)::bigint FROM dicom_gw.jobs WHERE queue = 'p'")[0]
                .decode(Int64.self, at: 0)
            try await cluster.ctl("stop")
            try await Task.sleep(for: .milliseconds(500))
            try await cluster.ctl("start")
            let restartedAt = try await pool.query("SELECT now()")[0].decode(Date.self, at: 0)
            let done = try await eventually(timeout: .seconds(60)) {
                let left = try? await pool.query("SELECT count(*)::bigint FROM dicom_gw.jobs")[0].decode(Int64.self, at: 0)
                return left == 0
            }
            let processRunsAfter = try await pool.query(
                "SELECT count(*)::bigint FROM public.test_job_runs WHERE pid = $1 AND started_at > $2",
                [Int64(process.pid), restartedAt])[0].decode(Int64.self, at: 0)
            for t in tasks { t.cancel() }
            for t in tasks { try await t.value }
            rescuing.cancel()
            try await rescuing.value
            let completed = try await pool.query("""
                SELECT count(*)::bigint, count(DISTINCT id)::bigint FROM dicom_gw.job_history
                WHERE outcome = 'completed' AND queue = 'q'
                """)
            let pDone = try await pool.query("""
                SELECT count(DISTINCT id)::bigint FROM dicom_gw.job_history WHERE outcome = 'completed' AND queue = 'p'
                """)[0].decode(Int64.self, at: 0)
            let left = try await pool.query("SELECT count(*)::bigint FROM dicom_gw.jobs")
            await pool.shutdown()
            #expect(before >= 500 && before < 3000, "the restart should land mid-run (\(before) done before)")
            #expect(done)
            #expect(pLeft > 0, "the worker process had finished before the restart")
            #expect(processRunsAfter > 0, "the worker process did not work after the restart")
            #expect(pDone == 600)
            #expect(try completed[0].decode(Int64.self, at: 0) == 3000)
            #expect(try completed[0].decode(Int64.self, at: 1) == 3000)
            #expect(try left[0].decode(Int64.self, at: 0) == 0)
        } catch {
            await cluster.destroy()
            throw error
        }
        await cluster.destroy()
    }

    private func eventually(timeout: Duration, _ condition: () async -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return await condition()
    }
}
