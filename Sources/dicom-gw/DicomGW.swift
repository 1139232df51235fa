import ArgumentParser

@main
struct DicomGW: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dicom-gw",
        abstract: "DICOM store-and-forward gateway.",
        subcommands: [MigrateCommand.self, UserCommand.self, AuditCommand.self]
    )
}
