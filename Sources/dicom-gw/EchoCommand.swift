import ArgumentParser
import DICOMNetwork
import Foundation
import NIOCore
import Logging

struct EchoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo",
        abstract: "Verify a DICOM peer with C-ECHO; prints the status and round-trip time.",
        discussion: "Exits non-zero if the association is rejected or the echo fails."
    )

    @Argument(help: "Peer host name or address.")
    var host: String

    @Argument(help: "Peer port.")
    var port: Int

    @Option(name: .customLong("called-ae"), help: "The peer's AE title.")
    var calledAE = "ANY-SCP"

    @Option(name: .customLong("calling-ae"), help: "Our AE title.")
    var callingAE = "DICOM-GW"

    @Option(name: .long, help: "Connect, ACSE and DIMSE timeout in seconds.")
    var timeout = 30

    @OptionGroup var tlsOptions: TLSOptions

    func run() async throws {
        try LoggingBootstrap.bootstrap(level: .warning)
        let timeouts = AssociationTimeouts(
            artim: .seconds(Int64(self.timeout)), acse: .seconds(Int64(self.timeout)),
            dimse: .seconds(Int64(self.timeout)), idle: .seconds(Int64(self.timeout)))
        let client = DICOMClient(
            configuration: .init(
                callingAETitle: self.callingAE, calledAETitle: self.calledAE, timeouts: timeouts,
                connectTimeout: .seconds(Int64(self.timeout)), tls: self.tlsOptions.clientSettings),
            logger: Logger(label: "dicom-gw.echo"))
        let contexts = [
            DICOMClient.ProposedContext(
                abstractSyntax: NetworkUID.verificationSOPClass,
                transferSyntaxes: [NetworkUID.explicitVRLittleEndian, NetworkUID.implicitVRLittleEndian])
        ]
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let status = try await client.withAssociation(host: self.host, port: self.port, contexts: contexts) { association in
                try await association.echo()
            }
            let elapsed = clock.now - start
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            let tls = self.tlsOptions.clientSettings == nil ? "" : " (TLS)"
            print("C-ECHO \(self.callingAE) → \(self.calledAE)@\(self.host):\(self.port)\(tls): status \(status) in \(String(format: "%.1f", milliseconds)) ms")
            if status != .success { throw ExitCode(2) }
        } catch let error as AssociationError {
            print("C-ECHO \(self.host):\(self.port) failed: \(error)")
            throw ExitCode(1)
        }
    }
}
