import Foundation
import JobQueue
import PostgresClient
import Synchronization
import TestSupport
import Testing

@Suite("JobWorker and JobRescuer in process", .requiresDatabase)
struct WorkerTests {
    @Test("a notification wakes an idle worker long before its poll would")
    func listenWakeUp() async throws {
        try await QueueFixture.with { f in
            let handled = Mutex<[Int64: ContinuousClock.Instant]>([:])
            let worker = JobWorker(
                queue: f.queue,
                configuration: .init(queue: "q", concurrency: 2, pollInterval: .seconds(30)),
                logger: TestDatabase.logger
            ) { batch in
                let now = ContinuousClock.now
                handled.withLock { for job in batch.jobs { $0[job.id] = now } }
                return batch.jobs.map { _ in .completed }
            }
            let task = Task { try await worker.run() }
            // Let it register, listen and go idle.
            #expect(try await f.eventually(timeout: .seconds(5)) {
                try await f.count("SELECT count(*) FROM dicom_gw.job_workers") == 1
            })
            try await Task.sleep(for: .milliseconds(300))
            var delays: [Duration] = []
            for _ in 0..<5 {
                let id = try #require(try await f.queue.enqueue(.noop(1), into: "q")[0])
                let sent = ContinuousClock.now
                #expect(try await f.eventually(timeout: .seconds(5), every: .milliseconds(5)) {
                    handled.withLock { $0[id] != nil }
                })
                if let at = handled.withLock({ $0[id] }) { delays.append(at - sent) }
                try await Task.sleep(for: .milliseconds(50))
            }
            task.cancel()
            try await task.value
            #expect(delays.count == 5)
            #expect(delays.allSatisfy { $0 < .seconds(2) }, "woken by poll, not notification: \(delays)")
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_history WHERE outcome = 'completed'") == 5)
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_workers") == 0, "graceful stop removes the row")
        }
    }

    @Test("with a batch linger, a trickle is claimed in fewer batches; neither the first job after an idle spell nor a backlog waits")
    func batchLinger() async throws {
        try await QueueFixture.with { f in
            let batches = Mutex<[(size: Int, at: ContinuousClock.Instant)]>([])
            let worker = JobWorker(
                queue: f.queue,
                configuration: .init(queue: "q", concurrency: 1, batchSize: 10, batchLinger: .seconds(2), pollInterval: .seconds(30)),
                logger: TestDatabase.logger
            ) { batch in
                batches.withLock { $0.append((batch.jobs.count, .now)) }
                return batch.jobs.map { _ in .completed }
            }
            let task = Task { try await worker.run() }
            #expect(try await f.eventually(timeout: .seconds(5)) {
                try await f.count("SELECT count(*) FROM dicom_gw.job_workers") == 1
            })
            try await Task.sleep(for: .milliseconds(300))
            // Four jobs 150 ms apart: the first wakes the idle loop and is claimed at once; the
            // small batch makes the loop linger, and the other three gather meanwhile.
            let first = ContinuousClock.now
            for _ in 0..<4 {
                try await f.queue.enqueue(.noop(1, group: "g"), into: "q")
                try await Task.sleep(for: .milliseconds(150))
            }
            // The first batch's completion went out before the linger, not with the next claim.
            if ContinuousClock.now - first < .milliseconds(1500) {
                #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_history WHERE outcome = 'completed'") >= 1)
            }
            #expect(try await f.eventually(timeout: .seconds(10), every: .milliseconds(20)) { worker.stats.completed == 4 })
            #expect(batches.withLock { $0.map(\.size) } == [1, 3])
            if let at = batches.withLock({ $0.first?.at }) {
                #expect(at - first < .milliseconds(1800), "the first job after an idle spell waited for the linger")
            }
            // A backlog after an idle spell: full batches follow one another without a linger
            // (only the small last one is followed by one).
            try await Task.sleep(for: .milliseconds(2500))
            try await f.queue.enqueue(.noop(25, group: "g"), into: "q")
            #expect(try await f.eventually(timeout: .seconds(10), every: .milliseconds(20)) { worker.stats.completed == 29 })
            let backlog = batches.withLock { Array($0.dropFirst(2)) }
            #expect(backlog.map(\.size) == [10, 10, 5])
            if backlog.count == 3 {
                #expect(backlog[2].at - backlog[0].at < .milliseconds(1800), "full batches waited: \(backlog.map(\.at))")
            }
            task.cancel()
            try await task.value
        }
    }

    @Test("cancellation is graceful: a batch in hand finishes and is reported")
    func gracefulStop() async throws {
        try await QueueFixture.with { f in
            let started = Mutex(false)
            let worker = JobWorker(
                queue: f.queue,
                configuration: .init(queue: "q", concurrency: 1, batchSize: 5),
                logger: TestDatabase.logger
            ) { batch in
                started.withLock { $0 = true }
                try? await Task.sleep(for: .milliseconds(500))
                #expect(!Task.isCancelled, "the handler must not see the worker's cancellation")
                return batch.jobs.map { _ in .completed }
            }
            try await f.queue.enqueue(.noop(5), into: "q")
            let task = Task { try await worker.run() }
            #expect(try await f.eventually(timeout: .seconds(5), every: .milliseconds(10)) { started.withLock { $0 } })
            task.cancel()
            try await task.value
            #expect(worker.stats.completed == 5)
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.jobs") == 0)
        }
    }

    @Test("completions are reported as soon as their batch ends, with the next claim, not held until a stop")
    func completionsReportedWhileRunning() async throws {
        try await QueueFixture.with { f in
            let worker = JobWorker(
                queue: f.queue,
                configuration: .init(queue: "q", concurrency: 2, batchSize: 1, pollInterval: .seconds(30), listen: false),
                logger: TestDatabase.logger
            ) { batch in batch.jobs.map { _ in .completed } }
            try await f.queue.enqueue(.noop(3), into: "q")
            let task = Task { try await worker.run() }
            // The loops go idle (a 30 s poll) after the queue runs dry: the last completion
            // must already be in history, not waiting for another claim or the stop.
            let reported = try await f.eventually(timeout: .seconds(10), every: .milliseconds(20)) {
                try await f.count("SELECT count(*) FROM dicom_gw.job_history WHERE outcome = 'completed'") == 3
                    && worker.stats.completed == 3
            }
            #expect(reported, "history and counters: \(worker.stats)")
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.jobs") == 0)
            task.cancel()
            try await task.value
        }
    }

    @Test("handler results: completed, failed and snoozed are all recorded")
    func mixedResults() async throws {
        try await QueueFixture.with { f in
            let worker = JobWorker(
                queue: f.queue,
                configuration: .init(queue: "q", concurrency: 1, batchSize: 3),
                logger: TestDatabase.logger
            ) { batch in
                [.completed, .failed(.permanent, message: "no such patient"), .snoozed(.seconds(60))]
            }
            try await f.queue.enqueue(.noop(3, group: "g"), into: "q")
            let task = Task { try await worker.run() }
            #expect(try await f.eventually(timeout: .seconds(5)) { worker.stats.snoozed == 1 })
            task.cancel()
            try await task.value
            #expect(worker.stats.completed == 1)
            #expect(worker.stats.failed == 1)
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_history WHERE outcome = 'discarded'") == 1)
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.jobs WHERE state = 'scheduled' AND attempt = 0") == 1)
        }
    }

    @Test("the rescuer returns a silent worker's jobs within its window")
    func rescuerWindow() async throws {
        try await QueueFixture.with { f in
            let dead = try await f.worker("dead")
            try await f.queue.enqueue(.noop(3), into: "q")
            let held = try await f.queue.claim(queue: "q", worker: dead, limit: 3, lease: .seconds(600))
            #expect(held.count == 3)
            let rescuer = JobRescuer(
                queue: f.queue, configuration: .init(silence: .seconds(1), interval: .milliseconds(200)),
                logger: TestDatabase.logger)
            let task = Task { try await rescuer.run() }
            let start = ContinuousClock.now
            #expect(try await f.eventually(timeout: .seconds(5)) {
                try await f.count("SELECT count(*) FROM dicom_gw.jobs WHERE state = 'available'") == 3
            })
            let took = ContinuousClock.now - start
            task.cancel()
            try await task.value
            #expect(took < .seconds(3), "rescue took \(took)")
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.jobs WHERE rescue_count = 1") == 3)
        }
    }

    @Test("a worker keeps working while a REPEATABLE READ snapshot is held open")
    func pinnedSnapshot() async throws {
        try await QueueFixture.with { f in
            // The pin: a reporting transaction that read something and stays open.
            let pin = try await PostgresConnection.connect(url: f.database.url, logger: TestDatabase.logger)
            try await pin.executeScript("BEGIN ISOLATION LEVEL REPEATABLE READ")
            try await pin.execute("SELECT count(*) FROM dicom_gw.jobs")
            let worker = JobWorker(
                queue: f.queue,
                configuration: .init(queue: "q", concurrency: 2, batchSize: 20),
                logger: TestDatabase.logger
            ) { batch in batch.jobs.map { _ in .completed } }
            let task = Task { try await worker.run() }
            for _ in 0..<10 {
                try await f.queue.enqueue(.noop(500), into: "q")
            }
            let drained = try await f.eventually(timeout: .seconds(60), every: .milliseconds(100)) {
                worker.stats.completed == 5000
            }
            // The snapshot really was held all along: it still sees no job history.
            let seen = try await pin.query("SELECT count(*) FROM dicom_gw.job_history")
            #expect(try seen[0].decode(Int64.self, at: 0) == 0)
            try await pin.executeScript("COMMIT")
            await pin.close()
            task.cancel()
            try await task.value
            #expect(drained, "completed \(worker.stats.completed) of 5000 under a pinned snapshot")
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_history") == 5000)
        }
    }

    @Test("history partitions rotate while jobs complete")
    func partitionRotation() async throws {
        try await QueueFixture.with { f in
            // An old day with a finished job in it, as if the gateway had run for a while.
            try await f.pool.execute("""
                CREATE TABLE dicom_gw.job_history_20000101 (LIKE dicom_gw.job_history INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
                """)
            try await f.pool.execute("""
                ALTER TABLE dicom_gw.job_history ATTACH PARTITION dicom_gw.job_history_20000101
                FOR VALUES FROM ('2000-01-01 00:00:00+00') TO ('2000-01-02 00:00:00+00')
                """)
            try await f.pool.execute("""
                INSERT INTO dicom_gw.job_history (id, queue, lane, kind, payload, priority, outcome, attempt,
                    snooze_count, rescue_count, enqueued_at, finished_at, errors)
                VALUES (0, 'q', 'L', 'k', '{}', 0, 'completed', 1, 0, 0, '2000-01-01 10:00+00', '2000-01-01 10:00+00', '[]')
                """)
            let worker = JobWorker(
                queue: f.queue, configuration: .init(queue: "q", concurrency: 2, batchSize: 5),
                logger: TestDatabase.logger
            ) { batch in batch.jobs.map { _ in .completed } }
            let task = Task { try await worker.run() }
            let producer = Task {
                for _ in 0..<40 {
                    try await f.queue.enqueue(.noop(50), into: "q")
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            var created: [String] = []
            var dropped: [String] = []
            for i in 0..<6 {
                created += try await f.queue.createHistoryPartitions(daysAhead: 8 + i * 3)
                dropped += try await f.queue.dropHistoryPartitions(keepDays: 1)
                try await Task.sleep(for: .milliseconds(100))
            }
            try await producer.value
            #expect(try await f.eventually(timeout: .seconds(30)) { worker.stats.completed == 2000 })
            task.cancel()
            try await task.value
            #expect(dropped == ["job_history_20000101"])
            #expect(created.count == 16, "created \(created)")
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_history") == 2000)
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_history_default") == 0)
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.job_history_partitions") == 24)
        }
    }
}
