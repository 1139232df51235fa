import Foundation
import JobQueue
import PostgresClient
import TestSupport
import Testing

@Suite("JobQueue enqueue and claim", .requiresDatabase)
struct EnqueueClaimTests {
    @Test("enqueue joins the caller's transaction: rollback leaves no job, commit leaves all")
    func enqueueInCallersTransaction() async throws {
        try await QueueFixture.with { f in
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await f.pool.withTransaction { conn in
                    try await f.queue.enqueue(.noop(3), into: "q", on: conn)
                    throw Abort()
                }
            }
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.jobs") == 0)
            let ids = try await f.pool.withTransaction { conn in
                try await conn.execute("CREATE TABLE public.received (n int)")
                try await conn.execute("INSERT INTO public.received VALUES (1)")
                return try await f.queue.enqueue(.noop(500), into: "q", on: conn)
            }
            #expect(ids.compactMap { $0 }.count == 500)
            #expect(Set(ids.compactMap { $0 }).count == 500)
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.jobs WHERE state = 'available'") == 500)
        }
    }

    @Test("a dedupe key is unique among live jobs only")
    func dedupe() async throws {
        try await QueueFixture.with { f in
            let w = try await f.worker()
            let first = try await f.queue.enqueue(
                [NewJob(kind: "k", lane: "L", dedupeKey: "d:1"), NewJob(kind: "k", lane: "L", dedupeKey: "d:1"),
                 NewJob(kind: "k", lane: "L", dedupeKey: "d:2")], into: "q")
            #expect(first[0] != nil && first[1] == nil && first[2] != nil)
            let again = try await f.queue.enqueue([NewJob(kind: "k", lane: "L", dedupeKey: "d:1")], into: "q")
            #expect(again == [nil])
            // Once finished, the key is free again.
            let claimed = try await f.queue.claim(queue: "q", worker: w, limit: 10, lease: .seconds(30))
            #expect(claimed.count == 2)
            #expect(try await f.queue.complete(claimed.map(\.lease)).isEmpty)
            let later = try await f.queue.enqueue([NewJob(kind: "k", lane: "L", dedupeKey: "d:1")], into: "q")
            #expect(later[0] != nil)
        }
    }

    @Test("claims follow priority then age; delayed jobs wait")
    func orderAndDelay() async throws {
        try await QueueFixture.with { f in
            let w = try await f.worker()
            let ids = try await f.queue.enqueue([
                NewJob(kind: "k", lane: "L", payload: #"{"n":1}"#, priority: 5),
                NewJob(kind: "k", lane: "L", payload: #"{"n":2}"#, priority: 0),
                NewJob(kind: "k", lane: "L", payload: #"{"n":3}"#, priority: 0, delay: .seconds(60)),
            ], into: "q")
            let a = try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .seconds(30))
            let b = try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .seconds(30))
            let c = try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .seconds(30))
            #expect(a.map(\.id) == [ids[1]!])
            #expect(a.first?.payload.contains("2") == true)
            #expect(b.map(\.id) == [ids[0]!])
            #expect(c.isEmpty)
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.jobs WHERE state = 'scheduled'") == 1)
            try await f.makeScheduledDue()
            let d = try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .seconds(30))
            #expect(d.map(\.id) == [ids[2]!])
            #expect(d.first?.attempt == 1)
        }
    }

    @Test("a claim returns one lane and one group; other queues are untouched")
    func groupedClaims() async throws {
        try await QueueFixture.with { f in
            let w = try await f.worker()
            try await f.queue.enqueue(.noop(3, lane: "dest:1", group: "study:A"), into: "forward")
            try await f.queue.enqueue(.noop(2, lane: "dest:1", group: "study:B"), into: "forward")
            try await f.queue.enqueue(.noop(4, lane: "dest:2", group: "study:A"), into: "forward")
            try await f.queue.enqueue(.noop(5, lane: "dest:1", group: "study:A"), into: "archive")
            var seen: [String: Int] = [:]
            while true {
                let batch = try await f.queue.claim(queue: "forward", worker: w, limit: 10, lease: .seconds(30))
                if batch.isEmpty { break }
                #expect(Set(batch.map(\.lane)).count == 1)
                #expect(Set(batch.map(\.groupKey)).count == 1)
                #expect(batch.allSatisfy { $0.queue == "forward" })
                seen["\(batch[0].lane)/\(batch[0].groupKey ?? "-")", default: 0] += batch.count
                #expect(seen["\(batch[0].lane)/\(batch[0].groupKey ?? "-")"] == batch.count, "a group split over claims")
            }
            #expect(seen == ["dest:1/study:A": 3, "dest:1/study:B": 2, "dest:2/study:A": 4])
            #expect(try await f.count("SELECT count(*) FROM dicom_gw.jobs WHERE queue = 'archive' AND state = 'available'") == 5)
        }
    }

    @Test("a lane's running limit holds across claims and frees up on completion")
    func laneLimit() async throws {
        try await QueueFixture.with { f in
            let w = try await f.worker()
            try await f.queue.configureLane("dest:9", LanePolicy(maxRunning: 2))
            try await f.queue.enqueue(.noop(10, lane: "dest:9"), into: "q")
            let a = try await f.queue.claim(queue: "q", worker: w, limit: 5, lease: .seconds(30))
            let b = try await f.queue.claim(queue: "q", worker: w, limit: 5, lease: .seconds(30))
            #expect(a.count == 2)
            #expect(b.isEmpty)
            try await f.queue.complete([a[0].lease])
            let c = try await f.queue.claim(queue: "q", worker: w, limit: 5, lease: .seconds(30))
            #expect(c.count == 1)
            #expect(try await f.count("SELECT running FROM dicom_gw.job_lane_status WHERE lane = 'dest:9'") == 2)
            let depth = try await f.queue.depth()
            #expect(depth.first { $0.state == "running" }?.jobs == 2)
            #expect(depth.first { $0.state == "available" }?.jobs == 7)
        }
    }

    @Test("pause and resume a lane and a queue")
    func pauseResume() async throws {
        try await QueueFixture.with { f in
            let w = try await f.worker()
            try await f.queue.enqueue(.noop(2, lane: "dest:1") + .noop(2, lane: "dest:2"), into: "q")
            try await f.queue.pauseLane("dest:1", reason: "maintenance")
            let a = try await f.queue.claim(queue: "q", worker: w, limit: 10, lease: .seconds(30))
            let b = try await f.queue.claim(queue: "q", worker: w, limit: 10, lease: .seconds(30))
            #expect(a.map(\.lane) == ["dest:2", "dest:2"])
            #expect(b.isEmpty)
            try await f.queue.pauseQueue("q")
            try await f.queue.resumeLane("dest:1")
            #expect(try await f.queue.claim(queue: "q", worker: w, limit: 10, lease: .seconds(30)).isEmpty)
            try await f.queue.resumeQueue("q")
            let c = try await f.queue.claim(queue: "q", worker: w, limit: 10, lease: .seconds(30))
            #expect(c.map(\.lane) == ["dest:1", "dest:1"])
            // A timed pause ends by itself (database clock).
            try await f.queue.enqueue(.noop(1, lane: "dest:3"), into: "q")
            try await f.queue.pauseLane("dest:3", for: .milliseconds(300))
            #expect(try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .seconds(30)).isEmpty)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await f.queue.claim(queue: "q", worker: w, limit: 1, lease: .seconds(30)).count == 1)
        }
    }
}
