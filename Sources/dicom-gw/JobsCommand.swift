import ArgumentParser
import Foundation
import Gateway
import JobQueue
import Logging
import PostgresClient

struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Inspect and operate forward jobs.",
        subcommands: [List.self, Show.self, Retry.self, Cancel.self, Deliveries.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List live forward jobs, or dead letters with --failed.")
        @OptionGroup var options: GlobalOptions
        @Flag(name: .long, help: "Dead letters instead of live jobs.") var failed = false
        @Option(name: .long, help: "Only this destination.") var destination: String?
        @Option(name: .long, help: "At most this many.") var limit: Int = 100

        func run() async throws {
            let table = failed ? "dicom_gw.job_dead_letters" : "dicom_gw.jobs"
            let state = failed ? "'failed'" : "j.state"
            let rows = try await options.withPool { pool in
                try await pool.query("""
                    SELECT j.id, \(state) AS state, coalesce(de.name, j.lane) AS destination, j.attempt,
                           coalesce(i.sop_instance_uid::text, '?') AS sop, coalesce(j.last_error, '') AS last_error
                    FROM \(table) j
                    LEFT JOIN dicom_gw.destinations de ON j.lane = 'destination:' || de.id
                    LEFT JOIN dicom_gw.instances i ON i.id = (j.payload ->> 'instance_id')::bigint
                    WHERE j.queue = 'forward' AND ($1::text IS NULL OR de.name = $1)
                    ORDER BY j.id LIMIT $2::int
                    """, [destination, limit])
            }
            print("ID\tSTATE\tDESTINATION\tATTEMPT\tSOP INSTANCE UID\tLAST ERROR")
            for r in rows {
                print("\(try r.decode(Int64.self, column: "id"))\t\(try r.decode(String.self, column: "state"))\t\(try r.decode(String.self, column: "destination"))\t\(try r.decode(Int32.self, column: "attempt"))\t\(try r.decode(String.self, column: "sop"))\t\(try r.decode(String.self, column: "last_error"))")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one job: its row, its history and its delivery.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Job id.") var id: Int64

        func run() async throws {
            let lines = try await options.withPool { pool -> [String] in
                var out: [String] = []
                let live = try await pool.query("SELECT row_to_json(j)::text AS j FROM dicom_gw.jobs j WHERE id = $1", [id])
                for r in live { out.append("live: " + (try r.decode(String.self, column: "j"))) }
                let history = try await pool.query(
                    "SELECT row_to_json(h)::text AS j FROM dicom_gw.job_history h WHERE id = $1 ORDER BY finished_at", [id])
                for r in history { out.append("ended: " + (try r.decode(String.self, column: "j"))) }
                let ledger = try await pool.query("SELECT row_to_json(d)::text AS j FROM dicom_gw.delivery_status d WHERE job_id = $1", [id])
                for r in ledger { out.append("delivery: " + (try r.decode(String.self, column: "j"))) }
                return out
            }
            if lines.isEmpty { throw ValidationError("no job \(id)") }
            lines.forEach { print($0) }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Re-send dead-lettered jobs (by id, or all of --destination).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Job ids.") var ids: [Int64] = []
        @Option(name: .long, help: "Every dead letter of this destination.") var destination: String?
        @Flag(name: .long, help: "Every dead letter.") var all = false

        func run() async throws {
            let requeued = try await options.withPool { pool in
                let ops = ForwardOperations(queue: JobQueue(pool: pool, logger: Logger(label: "dicom-gw.jobs")))
                var selected = ids
                if destination != nil || all { selected += try await ops.deadLetters(destination: destination) }
                guard !selected.isEmpty else { throw ValidationError("name job ids, --destination NAME or --all") }
                return try await ops.retry(selected, actor: .user(CLIUser.name))
            }
            print("requeued \(requeued.count) job(s)\(requeued.isEmpty ? "" : ": " + requeued.map(String.init).joined(separator: " "))")
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel live jobs.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Job ids.") var ids: [Int64]

        func run() async throws {
            let cancelled = try await options.withPool { pool in
                try await ForwardOperations(queue: JobQueue(pool: pool, logger: Logger(label: "dicom-gw.jobs")))
                    .cancel(ids, actor: .user(CLIUser.name))
            }
            print("cancelled \(cancelled.count) job(s)")
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The delivery ledger: per object and destination, the latest outcome, attempts, last status and time.",
            discussion: "Reads the dicom_gw.delivery_status view (the same rows SQL reports read).")
        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "Only this study.") var study: String?
        @Option(name: .long, help: "Only this destination.") var destination: String?
        @Option(name: .long, help: "Only this state: pending, delivered, failed, cancelled.") var state: String?
        @Option(name: .long, help: "At most this many.") var limit: Int = 1000

        func run() async throws {
            if let state, !["pending", "delivered", "failed", "cancelled"].contains(state) {
                throw ValidationError("--state must be pending, delivered, failed or cancelled")
            }
            let rows = try await options.withPool { pool in
                try await pool.query("""
                    SELECT sop_instance_uid::text AS sop, destination, state, attempts, coalesce(last_status, '') AS status,
                           coalesce(to_char(coalesce(last_attempt_at, enqueued_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '') AS at,
                           storage_state::text AS storage, file_path, coalesce(last_error, '') AS error
                    FROM dicom_gw.delivery_status
                    WHERE ($1::text IS NULL OR study_instance_uid = $1) AND ($2::text IS NULL OR destination = $2)
                      AND ($3::text IS NULL OR state = $3)
                    ORDER BY study_instance_uid, sop_instance_uid, destination LIMIT $4::int
                    """, [study, destination, state, limit])
            }
            print("SOP INSTANCE UID\tDESTINATION\tSTATE\tATTEMPTS\tLAST STATUS\tLAST ATTEMPT\tSTORAGE\tFILE\tLAST ERROR")
            for r in rows {
                let fields = [
                    try r.decode(String.self, column: "sop"), try r.decode(String.self, column: "destination"),
                    try r.decode(String.self, column: "state"), String(try r.decode(Int32.self, column: "attempts")),
                    try r.decode(String.self, column: "status"), try r.decode(String.self, column: "at"),
                    try r.decode(String.self, column: "storage"), try r.decode(String.self, column: "file_path"),
                    try r.decode(String.self, column: "error"),
                ]
                print(fields.joined(separator: "\t"))
            }
        }
    }
}
