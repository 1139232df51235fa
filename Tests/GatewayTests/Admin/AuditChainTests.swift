import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresClient
import TestSupport
import Testing

@Suite("Audit chain", .requiresDatabase)
struct AuditChainTests {
    static func record(_ log: AuditLog, _ count: Int) async throws {
        for i in 0..<count {
            try await log.record(
                AuditEvent(actor: .remoteAE("MODALITY\(i % 3)", address: "192.0.2.\(i % 250)"), action: AuditAction.objectStored,
                           objectType: "instance", objectID: "1.2.3.\(i)", details: ["bytes": .int(Int64(i * 100)), "tls": false]))
        }
    }

    @Test("sealed events verify; an edited row is found")
    func detectsEdit() async throws {
        try await AdminTestDatabase.with { pool in
            let log = AuditLog(pool: pool)
            let sealer = AuditSealer(pool: pool, logger: Logger(label: "test"))
            try await Self.record(log, 25)
            #expect(try await sealer.sealPending() == 25)
            try await Self.record(log, 5)
            #expect(try await sealer.sealPending() == 5)
            #expect(try await sealer.sealPending() == 0)

            let intact = try await AuditVerifier(pool: pool, pageSize: 7).verify()
            #expect(intact.isIntact)
            #expect(intact.verifiedEvents == 30)
            #expect(intact.firstChainSeq == 1 && intact.lastChainSeq == 30)
            #expect(intact.startsAtGenesis)

            // Sealed rows cannot be changed through the trigger…
            await #expect(throws: PostgresError.self) {
                try await pool.execute("UPDATE dicom_gw.audit_events SET actor = 'x' WHERE chain_seq = 12")
            }
            await #expect(throws: PostgresError.self) {
                try await pool.execute("DELETE FROM dicom_gw.audit_events WHERE chain_seq = 12")
            }
            // …so a tamperer with superuser rights disables it.
            try await pool.withConnection { connection in
                try await connection.executeScript(
                    """
                    ALTER TABLE dicom_gw.audit_events DISABLE TRIGGER audit_events_append_only;
                    UPDATE dicom_gw.audit_events SET details = '{"bytes": 1, "tls": false}' WHERE chain_seq = 12;
                    ALTER TABLE dicom_gw.audit_events ENABLE TRIGGER audit_events_append_only;
                    """)
            }
            let broken = try await AuditVerifier(pool: pool).verify()
            #expect(!broken.isIntact)
            #expect(broken.firstBreak?.chainSeq == 12)
            #expect(broken.verifiedEvents == 11)
        }
    }

    @Test("a deleted middle row and a re-linked chain are found")
    func detectsDeletion() async throws {
        try await AdminTestDatabase.with { pool in
            try await Self.record(AuditLog(pool: pool), 10)
            try await AuditSealer(pool: pool, logger: Logger(label: "test")).sealPending()
            try await pool.withConnection { connection in
                try await connection.executeScript(
                    """
                    ALTER TABLE dicom_gw.audit_events DISABLE TRIGGER audit_events_append_only;
                    DELETE FROM dicom_gw.audit_events WHERE chain_seq = 5;
                    ALTER TABLE dicom_gw.audit_events ENABLE TRIGGER audit_events_append_only;
                    """)
            }
            let result = try await AuditVerifier(pool: pool).verify()
            #expect(result.firstBreak?.chainSeq == 6)
            #expect(result.firstBreak?.reason.contains("missing") == true)
        }
    }

    @Test("after a purge of old days the chain verifies from its new anchor")
    func purge() async throws {
        try await AdminTestDatabase.with { pool in
            // Old events, inserted with an explicit time (the receive path uses now()).
            try await pool.execute(
                """
                INSERT INTO dicom_gw.audit_events (occurred_at, actor_type, actor, action, outcome)
                SELECT now() - interval '10 days' + g * interval '1 minute', 'system', 'test', 'old.event', 'success'
                  FROM generate_series(1, 8) g
                """)
            try await Self.record(AuditLog(pool: pool), 4)
            let sealer = AuditSealer(pool: pool, logger: Logger(label: "test"))
            #expect(try await sealer.sealPending() == 12)
            let deleted = try await pool.query(
                "SELECT dicom_gw.purge_audit_events((now() - interval '2 days')::date, 'tester') AS n")
            #expect(try deleted.first?.decode(Int64.self, column: "n") == 8)
            #expect(try await sealer.sealPending() == 1, "the purge is itself an audit event")
            let result = try await AuditVerifier(pool: pool).verify()
            #expect(result.isIntact)
            #expect(!result.startsAtGenesis)
            #expect(result.firstChainSeq == 9)
            #expect(result.verifiedEvents == 5)
        }
    }

    @Test("an event recorded in a rolled-back transaction leaves no trace")
    func transactional() async throws {
        try await AdminTestDatabase.with { pool in
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await pool.withTransaction { connection in
                    try await AuditLog.record(AuditEvent(actor: .system("receiver"), action: AuditAction.objectStored), on: connection)
                    throw Abort()
                }
            }
            _ = try await pool.withTransaction { connection in
                try await AuditLog.record(AuditEvent(actor: .system("receiver"), action: AuditAction.objectDuplicate, outcome: .warning), on: connection)
            }
            let events = try await AuditQuery(pool: pool).list(AuditFilter(), limit: 10)
            #expect(events.map(\.action) == [AuditAction.objectDuplicate])
            #expect(events.first?.chainSeq == nil)
        }
    }

    @Test("the API lists with filters and reports verification")
    func api() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await Self.record(app.services.auditLog, 3)
            try await app.test { client in
                let sealed = try await client.send(.post, "/api/v1/audit/seal", headers: app.auth(.admin))
                #expect(sealed.status == .ok)
                #expect((sealed.object["sealed"] as? Int ?? 0) >= 3)
                let list = try await client.send(
                    .get, "/api/v1/audit?action=object.stored&actor=MODALITY1&limit=10", headers: app.auth(.viewer))
                #expect(list.status == .ok)
                let items = list.object["items"] as? [[String: Any]] ?? []
                #expect(items.count == 1)
                #expect(items.first?["actor_address"] as? String == "192.0.2.1")
                let verify = try await client.send(.get, "/api/v1/audit/verify", headers: app.auth(.viewer))
                #expect(verify.object["intact"] as? Bool == true)
                let bad = try await client.send(.get, "/api/v1/audit?since=yesterday&colour=red", headers: app.auth(.viewer))
                #expect(bad.status == .unprocessableContent)
                let fields = Set(((bad.object["error"] as? [String: Any])?["fields"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
                #expect(fields == ["since", "colour"])
            }
        }
    }
}
