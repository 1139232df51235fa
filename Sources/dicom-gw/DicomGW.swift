import ArgumentParser

@main
struct DicomGW: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dicom-gw",
        abstract: "DICOM store-and-forward gateway.",
        subcommands: [
            ServeCommand.self, MigrateCommand.self,
            EchoCommand.self, SendCommand.self, DumpCommand.self, StorageCommand.self,
        ]
    )
}
