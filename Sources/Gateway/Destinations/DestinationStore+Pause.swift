import PostgresClient

extension DestinationStore {
    /// The lane pause reason of an operator pause (the one ``configureLane`` also writes).
    static let operatorPauseReason = "paused by operator"

    /// Pauses or resumes a destination: its `paused` flag and its job lane's pause, in one
    /// transaction, audited as `destination.pause` / `destination.resume`.
    ///
    /// A paused lane holds its jobs (they wait, no attempt is spent); jobs already running
    /// finish. Resuming lifts only an operator pause: an open circuit breaker keeps its own
    /// pause until it expires.
    /// - Throws: ``ForwardError`` `notFound`, `PostgresError`.
    public func setPaused(_ destination: Destination, _ paused: Bool, actor: AuditActor) async throws {
        try await pool.withTransaction { connection in
            let n = try await connection.execute(
                "UPDATE dicom_gw.destinations SET paused = $2, updated_at = now() WHERE id = $1", [destination.id, paused])
            guard n == 1 else { throw ForwardError(.notFound, "no destination with id \(destination.id)") }
            if paused {
                _ = try await connection.execute(
                    "SELECT dicom_gw.job_lane_pause($1, 'infinity'::timestamptz, $2)", [destination.lane, Self.operatorPauseReason])
            } else {
                _ = try await connection.execute(
                    "SELECT dicom_gw.job_lane_resume(lane) FROM dicom_gw.job_lanes WHERE lane = $1 AND pause_reason = $2",
                    [destination.lane, Self.operatorPauseReason])
            }
            try await Audit.record(actor, action: paused ? "destination.pause" : "destination.resume", objectType: "destination",
                                   objectID: destination.name, details: [:], on: connection)
        }
    }
}
