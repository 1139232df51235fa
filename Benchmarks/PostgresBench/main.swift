// postgres-bench: parameterised single-row SELECT round trips per second through
// PostgresClient on one connection. Not a test: scripts/bench-postgres.sh runs it beside
// pgbench on the same SQL and prints the ratio.
//
//   postgres-bench setup   URL
//   postgres-bench run     URL SECONDS prepared|extended
//   postgres-bench cleanup URL
import Foundation
import Logging
import PostgresClient

let table = "postgres_bench_rows"
let rowCount: Int64 = 1000
let selectSQL = "SELECT id, name FROM \(table) WHERE id = $1"

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("postgres-bench: \(message)\n".utf8))
    exit(2)
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: postgres-bench setup|run|cleanup URL [SECONDS MODE]") }
let url = arguments[2]
var logger = Logger(label: "postgres-bench")
logger.logLevel = .warning
let pool = PostgresPool(configuration: .init(url: url, maxConnections: 1), logger: logger)

do {
    switch arguments[1] {
    case "setup":
        try await pool.withConnection { c in
            try await c.executeScript(
                """
                DROP TABLE IF EXISTS \(table);
                CREATE TABLE \(table) (id int8 PRIMARY KEY, name text NOT NULL);
                INSERT INTO \(table) SELECT g, 'row ' || g FROM generate_series(1, \(rowCount)) g;
                ANALYZE \(table);
                """)
        }
    case "cleanup":
        try await pool.execute("DROP TABLE IF EXISTS \(table)")
    case "run":
        guard arguments.count >= 5, let seconds = Double(arguments[3]) else { fail("run needs SECONDS and MODE") }
        let prepared = arguments[4] == "prepared"
        let statement = PreparedStatement(selectSQL)
        let rate = try await pool.withConnection { c -> Double in
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
                    let rows = prepared ? try await c.query(statement, [id]) : try await c.query(selectSQL, [id])
                    guard let row = rows.first else { fail("no row for id \(id)") }
                    let got = try row.decode(Int64.self, at: 0)
                    let name = try row.decode(String.self, at: 1)
                    guard got == id else { fail("wrong row") }
                    checksum &+= name.utf8.count
                    count += 1
                }
            }
            let elapsed = clock.now - start
            let secondsElapsed = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            guard checksum > 0 else { fail("empty names") }
            return Double(count) / secondsElapsed
        }
        // The CLI's own output: one number for the script.
        FileHandle.standardOutput.write(Data((String(format: "%.0f", rate) + "\n").utf8))
    default:
        fail("unknown command \(arguments[1])")
    }
} catch {
    await pool.shutdown()
    fail("\(error)")
}
await pool.shutdown()
