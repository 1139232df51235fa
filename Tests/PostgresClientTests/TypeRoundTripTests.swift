import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("Type round trips", .requiresDatabase)
struct TypeRoundTripTests {
    /// Sends `value` as a parameter, casts it to `sqlType` on the server, reads it back.
    private func roundTrip<T: PostgresEncodable & PostgresDecodable>(
        _ pool: PostgresPool, _ value: T, as sqlType: String
    ) async throws -> T {
        let rows = try await pool.query("SELECT $1::\(sqlType) AS v", [value])
        #expect(rows.count == 1)
        return try rows[0].decode(T.self, column: "v")
    }

    @Test func integersBoolsAndFloats() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                for v in [Int16.min, -1, 0, 1, Int16.max] { #expect(try await roundTrip(pool, v, as: "int2") == v) }
                for v in [Int32.min, -1, 0, 1, Int32.max] { #expect(try await roundTrip(pool, v, as: "int4") == v) }
                for v in [Int64.min, -1, 0, 1, Int64.max] { #expect(try await roundTrip(pool, v, as: "int8") == v) }
                for v in [Int.min, 0, Int.max] { #expect(try await roundTrip(pool, v, as: "int8") == v) }
                for v in [true, false] { #expect(try await roundTrip(pool, v, as: "bool") == v) }
                for v in [0.0, -0.0, 1.5, -1e308, Double.leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, -.infinity] {
                    #expect(try await roundTrip(pool, v, as: "float8") == v)
                }
                #expect(try await roundTrip(pool, Double.nan, as: "float8").isNaN)
                // Widening: an int4 column reads as Int64; a float4 as Double.
                #expect(try await pool.query("SELECT 7::int4")[0].decode(Int64.self, at: 0) == 7)
                #expect(try await pool.query("SELECT 0.5::float4")[0].decode(Double.self, at: 0) == 0.5)
                // Narrowing out of range is an error, not a wrap.
                await #expect(throws: PostgresError.self) {
                    try await pool.query("SELECT 70000::int4")[0].decode(Int16.self, at: 0)
                }
            }
        }
    }

    @Test func strings() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                let samples = ["", "plain", "ünïcödé ✓ 日本語 🧪👩‍⚕️", String(repeating: "x", count: 1_000_000),
                    "tab\tnewline\nbackslash\\quote'double\"", "Robert'); DROP TABLE students;--"]
                for s in samples {
                    #expect(try await roundTrip(pool, s, as: "text") == s)
                    #expect(try await roundTrip(pool, s, as: "varchar") == s)
                }
                // An untyped string parameter takes its type from context (here: int).
                #expect(try await pool.query("SELECT $1 + 1", ["41"])[0].decode(Int.self, at: 0) == 42)
                // NUL cannot live in PostgreSQL text: refused before sending.
                await #expect(throws: PostgresError.self) { try await pool.query("SELECT $1::text", ["a\u{0}b"]) }
            }
        }
    }

    @Test func datesUUIDsAndBytes() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                let dates = [
                    Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_700_000_000.123456),
                    Date(timeIntervalSince1970: -2_208_988_800),  // 1900
                    Date(timeIntervalSinceReferenceDate: -31_622_400),  // the PostgreSQL epoch
                    Date.distantPast, Date.distantFuture,
                ]
                for d in dates {
                    let back = try await roundTrip(pool, d, as: "timestamptz")
                    #expect(abs(back.timeIntervalSince(d)) < 0.000_001, "\(d) came back as \(back)")
                }
                #expect(try await pool.query("SELECT 'infinity'::timestamptz")[0].decode(Date.self, at: 0) == .distantFuture)
                #expect(try await pool.query("SELECT '-infinity'::timestamptz")[0].decode(Date.self, at: 0) == .distantPast)
                let known = try await pool.query("SELECT '2024-02-29 12:34:56.789012+00'::timestamptz")[0].decode(Date.self, at: 0)
                #expect(abs(known.timeIntervalSince1970 - 1_709_210_096.789012) < 0.000_001)

                for u in [UUID(), UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))] {
                    #expect(try await roundTrip(pool, u, as: "uuid") == u)
                }
                let text = try await pool.query("SELECT 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid")[0].decode(String.self, at: 0)
                #expect(text == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")

                let allBytes = (0...255).map(UInt8.init)
                for b in [[], [0], allBytes, [UInt8](repeating: 0xFF, count: 100_000)] {
                    #expect(try await roundTrip(pool, b, as: "bytea") == b)
                    #expect(try await roundTrip(pool, Data(b), as: "bytea") == Data(b))
                }
            }
        }
    }

    struct Settings: Codable, Equatable, Sendable {
        var name: String
        var retries: Int
        var tags: [String]
        var nested: [String: Double]?
    }

    @Test func jsonAndArrays() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                let s = Settings(name: "dëst \"1\"", retries: 3, tags: ["a", "b"], nested: ["x": 1.5])
                #expect(try await roundTrip(pool, PostgresJSON(s), as: "jsonb").value == s)
                #expect(try await roundTrip(pool, PostgresJSON(s), as: "json").value == s)
                let keys = try await pool.query("SELECT $1::jsonb ->> 'name'", [PostgresJSON(s)])[0].decode(String.self, at: 0)
                #expect(keys == s.name)
                await #expect(throws: PostgresError.self) {
                    try await pool.query("SELECT '{\"name\": 1}'::jsonb")[0].decode(PostgresJSON<Settings>.self, at: 0)
                }

                for a in [[], [Int64.min, 0, Int64.max], Array(0..<1000).map(Int64.init)] {
                    #expect(try await roundTrip(pool, a, as: "int8[]") == a)
                }
                for a in [[], ["", "é", "a,b", "{x}", "\"q\"", "NULL"]] as [[String]] {
                    #expect(try await roundTrip(pool, a, as: "text[]") == a)
                }
                #expect(try await pool.query("SELECT ARRAY['a','b']::varchar[]")[0].decode([String].self, at: 0) == ["a", "b"])
                #expect(try await pool.query("SELECT ARRAY[1,2]::int4[]")[0].decode([Int64].self, at: 0) == [1, 2])
                let ids = try await pool.query("SELECT count(*) FROM unnest($1::int8[]) AS x WHERE x > 0", [[Int64(1), 2, -3]])
                #expect(try ids[0].decode(Int64.self, at: 0) == 2)
                // NULL elements need an optional element type.
                await #expect(throws: PostgresError.self) {
                    try await pool.query("SELECT ARRAY[1,NULL]::int8[]")[0].decode([Int64].self, at: 0)
                }
            }
        }
    }

    @Test func nullsAsOptionals() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                let none: [any PostgresEncodable] = [
                    Int16?.none, Int32?.none, Int64?.none, Bool?.none, Double?.none, String?.none,
                    Date?.none, UUID?.none, [UInt8]?.none, Data?.none, PostgresJSON<Settings>?.none,
                    [Int64]?.none, [String]?.none,
                ]
                let sql = "SELECT $1::int2, $2::int4, $3::int8, $4::bool, $5::float8, $6::text, $7::timestamptz, "
                    + "$8::uuid, $9::bytea, $10::bytea, $11::jsonb, $12::int8[], $13::text[]"
                let row = try await pool.query(sql, none)[0]
                #expect(try row.decode(Int16?.self, at: 0) == nil)
                #expect(try row.decode(Int32?.self, at: 1) == nil)
                #expect(try row.decode(Int64?.self, at: 2) == nil)
                #expect(try row.decode(Bool?.self, at: 3) == nil)
                #expect(try row.decode(Double?.self, at: 4) == nil)
                #expect(try row.decode(String?.self, at: 5) == nil)
                #expect(try row.decode(Date?.self, at: 6) == nil)
                #expect(try row.decode(UUID?.self, at: 7) == nil)
                #expect(try row.decode([UInt8]?.self, at: 8) == nil)
                #expect(try row.decode(Data?.self, at: 9) == nil)
                #expect(try row.decode(PostgresJSON<Settings>?.self, at: 10) == nil)
                #expect(try row.decode([Int64]?.self, at: 11) == nil)
                #expect(try row.decode([String]?.self, at: 12) == nil)
                for i in 0..<13 { #expect(row.isNull(at: i)) }
                // Present values through Optional.
                let some = try await pool.query("SELECT $1::int8, $2::text", [Int64?.some(5), String?.some("x")])[0]
                #expect(try some.decode(Int64?.self, at: 0) == 5)
                #expect(try some.decode(String?.self, at: 1) == "x")
            }
        }
    }

    @Test func numericReadsAsStringAndDouble() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                let cases = ["0", "1", "-1", "10000", "123456789.000123", "-0.5", "0.0001", "99999999999999999999.5", "NaN"]
                for c in cases {
                    let row = try await pool.query("SELECT $1::numeric", [c])[0]
                    #expect(try row.decode(String.self, at: 0) == c)
                }
                #expect(try await pool.query("SELECT sum(x) FROM (VALUES (1::int8), (2)) t(x)")[0].decode(Double.self, at: 0) == 3)
            }
        }
    }
}
