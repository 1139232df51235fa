import PostgresClient

/// The timed loop, outside main.swift: top-level code is main-actor isolated, and a closure
/// isolated to the main actor would hop threads around every statement.
enum Measure {
    /// Runs single-row SELECTs for `seconds` on one pooled connection; returns queries/second.
    nonisolated static func selects(pool: PostgresPool, sql: String, rowCount: Int64, seconds: Double, prepared: Bool) async throws -> Double {
        let statement = PreparedStatement(sql)
        return try await pool.withConnection { c -> Double in
            var generator = SystemRandomNumberGenerator()
            var count = 0
            var checksum = 0
            let clock = ContinuousClock()
            // Warm-up: connection, plan cache, code paths.
            for _ in 0..<200 { _ = try await c.query(statement, [Int64(1)]) }
            let deadline = clock.now + .seconds(seconds)
            let start = clock.now
            while clock.now < deadline {
                for _ in 0..<100 {
                    let id = Int64.random(in: 1...rowCount, using: &generator)
                    let rows = prepared ? try await c.query(statement, [id]) : try await c.query(sql, [id])
                    guard let row = rows.first, try row.decode(Int64.self, at: 0) == id else {
                        throw PostgresError(code: .client, message: "wrong or missing row for id \(id)")
                    }
                    checksum &+= try row.decode(String.self, at: 1).utf8.count
                    count += 1
                }
            }
            let elapsed = clock.now - start
            guard checksum > 0 else { throw PostgresError(code: .client, message: "empty names") }
            return Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
    }
}
