import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("COPY FROM STDIN", .requiresDatabase)
struct CopyTests {
    @Test func copiesHundredThousandRows() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool { pool async throws in
                try await pool.execute(
                    "CREATE TABLE items (id int8 PRIMARY KEY, name text, at timestamptz, ok bool, blob bytea, tags text[])")
                let base = Date(timeIntervalSince1970: 1_700_000_000)
                let rows = (0..<100_000).lazy.map { (i: Int) -> [any PostgresEncodable] in
                    let name: String? = i % 7 == 0 ? nil : "name \(i) ✓\t'\"\\"
                    let blob: [UInt8] = [UInt8(i & 0xFF), 0]
                    let tags: [String] = ["a", String(i)]
                    let at: Date = base.addingTimeInterval(Double(i))
                    let id = Int64(i)
                    let ok: Bool = i % 2 == 0
                    return [id, name, at, ok, blob, tags]
                }
                let copied = try await pool.withConnection { c in
                    try await c.copyFrom(table: "items", columns: ["id", "name", "at", "ok", "blob", "tags"], rows: rows)
                }
                #expect(copied == 100_000)
                let summary = try await pool.query(
                    "SELECT count(*), count(name), sum(id)::int8, count(*) FILTER (WHERE ok) FROM items")[0]
                #expect(try summary.decode(Int.self, at: 0) == 100_000)
                #expect(try summary.decode(Int.self, at: 1) == 100_000 - (100_000 + 6) / 7)
                #expect(try summary.decode(Int64.self, at: 2) == Int64(99_999 * 100_000 / 2))
                #expect(try summary.decode(Int.self, at: 3) == 50_000)
                let one = try await pool.query("SELECT name, at, blob, tags FROM items WHERE id = $1", [Int64(12_345)])[0]
                #expect(try one.decode(String.self, at: 0) == "name 12345 ✓\t'\"\\")
                #expect(try one.decode(Date.self, at: 1) == base.addingTimeInterval(12_345))
                #expect(try one.decode([UInt8].self, at: 2) == [UInt8(12_345 & 0xFF), 0])
                #expect(try one.decode([String].self, at: 3) == ["a", "12345"])
            }
        }
    }

    @Test func failedCopyInsertsNothingAndLeavesTheConnectionUsable() async throws {
        try await TestDatabase.withFresh { db async throws in
            try await db.withPool(maxConnections: 1) { pool async throws in
                try await pool.execute("CREATE TABLE t (id int8 PRIMARY KEY)")
                // A duplicate key fails on the server side.
                await #expect(throws: PostgresError.self) {
                    try await pool.withConnection { c in
                        try await c.copyFrom(table: "t", columns: ["id"], rows: [[Int64(1)], [Int64(1)]])
                    }
                }
                // A malformed row fails on the client side.
                await #expect(throws: PostgresError.self) {
                    try await pool.withConnection { c in
                        try await c.copyFrom(table: "t", columns: ["id"], rows: [[Int64(2)], [Int64(3), Int64(4)]])
                    }
                }
                #expect(try await pool.query("SELECT count(*) FROM t")[0].decode(Int.self, at: 0) == 0)
                let ok = try await pool.withConnection { c in
                    try await c.copyFrom(table: "t", columns: ["id"], rows: [[Int64(5)]])
                }
                #expect(ok == 1)
            }
        }
    }
}
