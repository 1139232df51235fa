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
        let rate = try await Measure.selects(
            pool: pool, sql: selectSQL, rowCount: rowCount, seconds: seconds, prepared: arguments[4] == "prepared")
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
