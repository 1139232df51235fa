public import PostgresClient

/// The schema version this build of the gateway needs.
public enum GatewaySchema {
    /// The highest migration this code relies on (a test keeps it equal to the newest file in
    /// `migrations/`).
    public static let requiredVersion: Int64 = 13

    /// The highest applied migration, or nil before the first `dicom-gw migrate`.
    public static func appliedVersion(_ pool: PostgresPool) async throws -> Int64? {
        let present = try await pool.query("SELECT to_regclass('dicom_gw.schema_migrations') IS NOT NULL AS present")
        guard try present.first?.decode(Bool.self, column: "present") == true else { return nil }
        let rows = try await pool.query("SELECT max(version) AS version FROM dicom_gw.schema_migrations")
        return try rows.first?.decode(Int64?.self, column: "version")
    }
}
