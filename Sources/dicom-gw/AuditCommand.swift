import ArgumentParser
import Foundation
import Gateway
import Logging

/// `dicom-gw audit …`: read and verify the audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read the audit log and verify its hash chain.",
        subcommands: [List.self, Verify.self, Seal.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List audit events, newest first.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "From this time (YYYY-MM-DD or RFC 3339), or an age such as 24h or 7d.") var since: String
        @Option(help: "Before this time (YYYY-MM-DD or RFC 3339).") var until: String?
        @Option(help: "Only this actor.") var actor: String?
        @Option(help: "Only this action, or a prefix such as user.*") var action: String?
        @Option(help: "At most this many events.") var limit: Int = 200
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard let sinceDate = Self.parseTime(since) else { throw ValidationError("--since: a date, an RFC 3339 time, or an age like 24h") }
            var untilDate: Date?
            if let until {
                guard let date = Self.parseTime(until) else { throw ValidationError("--until: a date or an RFC 3339 time") }
                untilDate = date
            }
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit: 1 to 100000") }
            let filter = AuditFilter(since: sinceDate, until: untilDate, actor: actor, action: action)
            try await database.withPool { pool in
                let records = try await AuditQuery(pool: pool).list(filter, limit: limit)
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    encoder.dateEncodingStrategy = .iso8601
                    for record in records { print(String(decoding: try encoder.encode(record), as: UTF8.self)) }
                    return
                }
                let formatter = ISO8601DateFormatter()
                for record in records {
                    let object = [record.objectType, record.objectID].compactMap { $0 }.joined(separator: ":")
                    let details = (try? record.details.jsonText()) ?? ""
                    print(
                        formatter.string(from: record.occurredAt), record.outcome.padding(toLength: 7, withPad: " ", startingAt: 0),
                        "\(record.actorType):\(record.actor)\(record.actorAddress.map { "@\($0)" } ?? "")",
                        record.action, object, details == "{}" ? "" : details)
                }
            }
        }

        static func parseTime(_ text: String) -> Date? {
            if let unit = text.last, "hd".contains(unit), let amount = Double(text.dropLast()), amount >= 0 {
                return Date(timeIntervalSinceNow: -amount * (unit == "h" ? 3600 : 86_400))
            }
            let formatter = ISO8601DateFormatter()
            if let date = formatter.date(from: text) { return date }
            formatter.formatOptions = [.withFullDate]
            return formatter.date(from: text)
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain; exits 1 and names the first break when it does not verify.")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Seal pending events first.") var seal = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let result = try await database.withPool { pool in
                if seal { try await AuditSealer(pool: pool, logger: Logger(label: "dicom-gw.cli")).sealPending() }
                return try await AuditVerifier(pool: pool).verify()
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else if let broken = result.firstBreak {
                print("BROKEN at chain position \(broken.chainSeq) (event \(broken.eventID)): \(broken.reason)")
                print("\(result.verifiedEvents) events verified before the break")
            } else {
                let range = result.firstChainSeq.map { "\($0)…\(result.lastChainSeq ?? $0)" } ?? "empty"
                print("intact: \(result.verifiedEvents) events (chain positions \(range))"
                    + (result.startsAtGenesis ? "" : ", anchored after a purge")
                    + (result.unsealedEvents > 0 ? "; \(result.unsealedEvents) events not sealed yet" : ""))
            }
            if !result.isIntact { throw ExitCode(1) }
        }
    }

    struct Seal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Seal committed events into the chain now.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let sealed = try await database.withPool { pool in
                try await AuditSealer(pool: pool, logger: Logger(label: "dicom-gw.cli")).sealPending()
            }
            print("sealed \(sealed) events")
        }
    }
}
