/// The logger metadata keys this module writes.
enum LogKey {
    static let channels = "postgres.channels"
    static let migrationVersion = "migration.version"
    static let migrationName = "migration.name"
}
