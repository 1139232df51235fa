import ArgumentParser
import Foundation
import Gateway
import JobQueue
import Logging

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-send stored objects (from the tree, forwarded/ or failed/) to their destinations.",
        discussion: "dicom-gw replay --study UID | --destination NAME --since TIME [--to NAME] [--dry-run]. TIME is ISO 8601 (2026-11-29T06:00:00Z)."
    )

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "Every instance of this study.") var study: String?
    @Option(name: .long, help: "Instances sent to this destination...") var destination: String?
    @Option(name: .long, help: "...enqueued at or after this time.") var since: String?
    @Option(name: .long, help: "Only to this destination.") var to: String?
    @Flag(name: .long, help: "List what would be sent; send nothing.") var dryRun = false

    func run() async throws {
        if destination != nil && since == nil { throw ValidationError("--destination needs --since") }
        var sinceDate: Date?
        if let since {
            guard let date = ISO8601DateFormatter().date(from: since) else { throw ValidationError("--since '\(since)' is not ISO 8601") }
            sinceDate = date
        }
        let sinceValue = sinceDate
        let items = try await options.withPool { pool in
            try await ForwardOperations(queue: JobQueue(pool: pool, logger: Logger(label: "dicom-gw.replay"))).replay(
                study: study, destination: destination, since: sinceValue, to: to, dryRun: dryRun, actor: .user(CLIUser.name))
        }
        for item in items {
            let job = item.jobID.map { "job \($0)" } ?? (dryRun ? "would send" : "already queued")
            print("\(item.sopInstanceUID)\t\(item.destination)\t\(item.filePath)\t\(job)")
        }
        print(dryRun ? "\(items.count) object(s) would be sent" : "\(items.filter { $0.jobID != nil }.count) job(s) enqueued")
    }
}
