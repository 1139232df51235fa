import ArgumentParser
import DICOMNetwork
import Foundation
import NIOCore
import Logging

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send DICOM files (C-STORE) to a peer.",
        discussion: """
            Directories are searched recursively. Files go on as few associations as the presentation \
            contexts allow (128 per association); each file is sent in its own transfer syntax, or \
            converted between Explicit and Implicit VR Little Endian when the peer accepts only the other. \
            Prints a line per failure and a summary; exits non-zero if any file failed.
            """
    )

    @Argument(help: "Peer host name or address.")
    var host: String

    @Argument(help: "Peer port.")
    var port: Int

    @Argument(help: "DICOM files or directories.")
    var paths: [String]

    @Option(name: .customLong("called-ae"), help: "The peer's AE title.")
    var calledAE = "ANY-SCP"

    @Option(name: .customLong("calling-ae"), help: "Our AE title.")
    var callingAE = "DICOM-GW"

    @Option(name: .long, help: "Connect, ACSE and DIMSE timeout in seconds.")
    var timeout = 60

    @OptionGroup var tlsOptions: TLSOptions

    func run() async throws {
        try LoggingBootstrap.bootstrap(level: .warning)
        var failed = 0
        var summaries: [DICOMFileSummary] = []
        for path in Self.expand(self.paths) {
            do {
                summaries.append(try await DICOMFileSummary.read(path: path))
            } catch {
                print("FAILED \(path): not a readable DICOM file: \(error)")
                failed += 1
            }
        }
        let timeouts = AssociationTimeouts(
            artim: .seconds(Int64(self.timeout)), acse: .seconds(Int64(self.timeout)),
            dimse: .seconds(Int64(self.timeout)), idle: .seconds(Int64(self.timeout)))
        let client = DICOMClient(
            configuration: .init(
                callingAETitle: self.callingAE, calledAETitle: self.calledAE, timeouts: timeouts,
                connectTimeout: .seconds(Int64(self.timeout)), tls: self.tlsOptions.clientSettings),
            logger: Logger(label: "dicom-gw.send"))

        var sent = 0
        var warnings = 0
        var bytes: Int64 = 0
        let clock = ContinuousClock()
        let start = clock.now
        for batch in Self.batches(summaries) {
            let contexts = Self.contexts(for: batch)
            var index = 0
            do {
                try await client.withAssociation(host: self.host, port: self.port, contexts: contexts) { association in
                    while index < batch.count {
                        let file = batch[index]
                        index += 1
                        do {
                            let outcome = try await association.store(file: file)
                            switch outcome.disposition {
                            case .delivered:
                                sent += 1
                            case .deliveredWithWarning:
                                sent += 1
                                warnings += 1
                                print("WARNING \(file.path): status \(outcome.status) \(outcome.errorComment ?? "")")
                            case .retryable, .permanent:
                                failed += 1
                                print("FAILED \(file.path): status \(outcome.status) (\(outcome.disposition)) \(outcome.errorComment ?? "")")
                            }
                            if outcome.disposition == .delivered || outcome.disposition == .deliveredWithWarning {
                                bytes += Self.dataSetSize(file)
                            }
                        } catch let error as AssociationError where error.code == .noAcceptedContext {
                            failed += 1
                            print("FAILED \(file.path): \(error.message)")
                        }
                    }
                }
            } catch {
                // The association failed: everything not yet answered in this batch failed.
                let remaining = max(batch.count - max(index - 1, 0), 0)
                for file in batch.suffix(remaining) {
                    print("FAILED \(file.path): \(error)")
                }
                failed += remaining
            }
        }
        let elapsed = clock.now - start
        let seconds = max(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, 1e-6)
        let megabytes = Double(bytes) / 1_000_000
        print(
            "sent \(sent), warnings \(warnings), failed \(failed); \(String(format: "%.1f", megabytes)) MB in "
                + "\(String(format: "%.2f", seconds)) s (\(String(format: "%.1f", megabytes / seconds)) MB/s)")
        if failed > 0 { throw ExitCode(1) }
    }

    static func dataSetSize(_ file: DICOMFileSummary) -> Int64 {
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value ?? 0
        return max(size - file.dataSetOffset, 0)
    }

    /// Files named directly, and every regular file under named directories, sorted.
    static func expand(_ paths: [String]) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                files.append(path)  // reported as unreadable later
                continue
            }
            if !isDirectory.boolValue {
                files.append(path)
                continue
            }
            let enumerator = FileManager.default.enumerator(atPath: path)
            var found: [String] = []
            while let relative = enumerator?.nextObject() as? String {
                let full = (path as NSString).appendingPathComponent(relative)
                var childIsDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: full, isDirectory: &childIsDirectory), !childIsDirectory.boolValue {
                    found.append(full)
                }
            }
            files += found.sorted()
        }
        return files
    }

    /// One presentation context per (SOP class, transfer syntax) pair in `files`.
    static func contexts(for files: [DICOMFileSummary]) -> [DICOMClient.ProposedContext] {
        var seen = Set<[String]>()
        var contexts: [DICOMClient.ProposedContext] = []
        for file in files {
            let syntaxes = file.proposedTransferSyntaxes
            if seen.insert([file.sopClassUID] + syntaxes).inserted {
                contexts.append(.init(abstractSyntax: file.sopClassUID, transferSyntaxes: syntaxes))
            }
        }
        return contexts
    }

    /// Splits files into groups whose contexts fit one association (at most 128).
    static func batches(_ files: [DICOMFileSummary]) -> [[DICOMFileSummary]] {
        var batches: [[DICOMFileSummary]] = []
        var current: [DICOMFileSummary] = []
        var keys = Set<[String]>()
        for file in files {
            let key = [file.sopClassUID] + file.proposedTransferSyntaxes
            if !keys.contains(key) && keys.count == 128 {
                batches.append(current)
                current = []
                keys = []
            }
            keys.insert(key)
            current.append(file)
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }
}
