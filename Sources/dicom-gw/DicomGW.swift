import ArgumentParser
import Gateway

@main
struct DicomGW: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dicom-gw",
        abstract: "DICOM store-and-forward gateway.",
        version: GatewayVersion.string,
        subcommands: [
            ServeCommand.self,
            MigrateCommand.self,
            EchoCommand.self,
            SendCommand.self,
            DumpCommand.self,
            UserCommand.self,
            AuditCommand.self,
            DestinationCommand.self,
            RouteCommand.self,
            JobsCommand.self,
            ReplayCommand.self,
            WorkerCommand.self,
            StorageCommand.self,
        ]
    )
}
