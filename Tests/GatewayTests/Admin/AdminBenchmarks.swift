import Foundation
import Gateway
import Logging
import PostgresClient
import TestSupport
import Testing

/// Figures for operators, not timed tests: run with DICOM_GW_BENCHMARK=1. Each figure is
/// printed beside a peer measured in the same run.
@Suite(
    "Admin benchmarks", .requiresDatabase,
    .enabled(if: ProcessInfo.processInfo.environment["DICOM_GW_BENCHMARK"] != nil, "set DICOM_GW_BENCHMARK=1"))
struct AdminBenchmarks {
    static let logger = Logger(label: "benchmark")

    static func seconds(_ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    @Test("bcrypt: cost 12 against cost 10")
    func bcrypt() async throws {
        var figures: [UInt8: Double] = [:]
        for cost: UInt8 in [10, 12] {
            let hasher = PasswordHasher(cost: cost)
            let hash = try await hasher.hash("correct horse battery")
            figures[cost] = try await Self.seconds {
                for _ in 0..<4 { _ = try await hasher.verify("correct horse battery", hash: hash) }
            } / 4
        }
        let c10 = figures[10] ?? 0
        let c12 = figures[12] ?? 0
        Self.logger.notice(
            "bcrypt verify: cost 10 \(String(format: "%.1f", c10 * 1000)) ms, cost 12 \(String(format: "%.1f", c12 * 1000)) ms, ratio \(String(format: "%.2f", c12 / max(c10, 1e-9)))")
        #expect(c12 > c10)
    }

    @Test("audit: record, seal and verify against plain inserts of the same rows")
    func auditChain() async throws {
        try await AdminTestDatabase.with { pool in
            let count = 5000
            try await pool.execute("CREATE TABLE peer (actor text, action text, object_id text, details jsonb)")
            let insert = try await Self.seconds {
                try await pool.withConnection { connection in
                    for i in 0..<count {
                        try await connection.execute(
                            "INSERT INTO peer VALUES ($1::text, $2::text, $3::text, $4::jsonb)",
                            ["STORESCU", AuditAction.objectStored, "1.2.3.\(i)", #"{"bytes": 1000}"#])
                    }
                }
            }
            let record = try await Self.seconds {
                try await pool.withConnection { connection in
                    for i in 0..<count {
                        try await AuditLog.record(
                            AuditEvent(actor: .remoteAE("STORESCU", address: "127.0.0.1"), action: AuditAction.objectStored,
                                       objectID: "1.2.3.\(i)", details: ["bytes": 1000]),
                            on: connection)
                    }
                }
            }
            let sealer = AuditSealer(pool: pool, logger: Self.logger)
            var sealed = 0
            let seal = try await Self.seconds { sealed = try await sealer.sealPending() }
            #expect(sealed == count)
            let scan = try await Self.seconds {
                _ = try await pool.query("SELECT id, occurred_at, actor, action, details::text, prev_hash, hash FROM dicom_gw.audit_events ORDER BY chain_seq")
            }
            var verified = 0
            let verify = try await Self.seconds { verified = try await AuditVerifier(pool: pool).verify().verifiedEvents }
            #expect(verified == count)
            func rate(_ s: Double) -> String { String(format: "%.0f/s", Double(count) / s) }
            Self.logger.notice(
                """
                audit (\(count) events): record \(rate(record)) vs plain insert \(rate(insert)) (ratio \(String(format: "%.2f", record / insert))); \
                seal \(rate(seal)); verify \(rate(verify)) vs a plain scan \(rate(scan)) (ratio \(String(format: "%.2f", verify / scan)))
                """)
        }
    }
}
