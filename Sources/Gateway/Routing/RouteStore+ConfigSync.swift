import PostgresClient

extension RouteStore {
    /// Removes the routes the configuration file once declared (`source = 'config'`) and no
    /// longer does, each as `dicom-gw route remove` does (audited `route.remove`; jobs they
    /// already made stay), in the caller's transaction. Routes made with the CLI or the API
    /// are never looked at.
    /// - Returns: the names removed, sorted.
    /// - Throws: `PostgresError`.
    static func removeUndeclared(declared: [String], actor: AuditActor, on connection: PostgresConnection) async throws -> [String] {
        let names = try await connection.query("""
            SELECT name FROM dicom_gw.routes WHERE source = 'config' AND NOT (name = ANY ($1)) ORDER BY name FOR UPDATE
            """, [declared]).map { try $0.decode(String.self, column: "name") }
        for name in names {
            try await remove(name: name, actor: actor, on: connection)
        }
        return names
    }
}
