import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JobQueue
import Logging
import PostgresClient
import TestSupport
import Testing

@Suite("Jobs through the API", .requiresDatabase)
struct JobsAPITests {
    @Test("list live jobs, cancel them in bulk, list the cancelled, retry one; audited")
    func cancelAndRetry() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            let queue = JobQueue(pool: pool, logger: Logger(label: "test"))
            let ids = try await queue.enqueue(
                (0..<3).map { NewJob(kind: "forward", lane: $0 == 0 ? "pacs" : "archive", payload: #"{"instance": \#($0)}"#) },
                into: "forward"
            ).compactMap { $0 }
            #expect(ids.count == 3)
            try await app.test { client in
                let live = try await client.send(.get, "/api/v1/jobs?lane=archive", headers: app.auth(.viewer))
                #expect(live.status == .ok)
                #expect((live.object["items"] as? [[String: Any]])?.count == 2)

                let body = #"{"ids":[\#(ids.map(String.init).joined(separator: ",")), 999999]}"#
                #expect(try await client.send(.post, "/api/v1/jobs/cancel", headers: app.auth(.viewer), json: body).status == .forbidden)
                let cancelled = try await client.send(.post, "/api/v1/jobs/cancel", headers: app.auth(.operator), json: body)
                #expect(cancelled.status == .ok)
                #expect(cancelled.object["requested"] as? Int == 4)
                #expect((cancelled.object["affected"] as? [Int])?.count == 3)

                let history = try await client.send(.get, "/api/v1/jobs?state=cancelled", headers: app.auth(.viewer))
                #expect((history.object["items"] as? [[String: Any]])?.count == 3)
                let one = try await client.send(.get, "/api/v1/jobs/\(ids[0])", headers: app.auth(.viewer))
                #expect(one.object["state"] as? String == "cancelled")
                #expect((one.object["payload"] as? [String: Any])?["instance"] as? Int == 0)

                let retried = try await client.send(.post, "/api/v1/jobs/retry", headers: app.auth(.operator), json: #"{"ids":[\#(ids[0])]}"#)
                #expect((retried.object["affected"] as? [Int]) == [Int(ids[0])])
                let again = try await client.send(.get, "/api/v1/jobs/\(ids[0])", headers: app.auth(.viewer))
                #expect(again.object["state"] as? String == "available")

                let empty = try await client.send(.post, "/api/v1/jobs/retry", headers: app.auth(.operator), json: #"{"ids":[]}"#)
                #expect(empty.status == .unprocessableContent)
                let badState = try await client.send(.get, "/api/v1/jobs?state=lost", headers: app.auth(.viewer))
                #expect(badState.status == .unprocessableContent)
            }
            let audit = try await app.services.auditQuery.list(AuditFilter(action: "job.*"), limit: 10)
            #expect(audit.map(\.action) == [AuditAction.jobRetried, AuditAction.jobCancelled])
            #expect(audit.allSatisfy { $0.actor == "operator" })
        }
    }
}
