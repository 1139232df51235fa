public import PostgresClient

/// The study, series and instance rows, written in the caller's transaction.
public enum InstanceStore {
    /// Records a received instance in one round trip (`dicom_gw.record_instance`): upserts its
    /// study and series, inserts or updates the instance per `policy`, and writes the audit
    /// event. The caller then places or discards the file and commits.
    ///
    /// - Parameters:
    ///   - record: the row values.
    ///   - policy: `keep-first`, `replace` or `reject`, for different content under a known
    ///     SOP Instance UID.
    ///   - connection: a connection inside the caller's transaction.
    /// - Throws: ``PostgresError`` from the database.
    public static func record(
        _ record: InstanceRecord,
        policy: String,
        on connection: PostgresConnection
    ) async throws -> RecordOutcome {
        try outcome(try await connection.query(try statement(recording: record, policy: policy)))
    }

    /// The statement ``record(_:policy:on:)`` runs, for a caller that sends it with others
    /// (``PostgresConnection/withTransaction(isolationLevel:beginningWith:isolation:_:)``);
    /// ``outcome(_:)`` reads its rows.
    /// - Throws: ``PostgresError`` when a value cannot be encoded.
    public static func statement(recording record: InstanceRecord, policy: String) throws -> PostgresStatement {
        try PostgresStatement(recordStatement, [
            record.uids.study, record.uids.series, record.uids.sop, record.sopClassUID, record.transferSyntaxUID,
            record.patientID, record.patientName, record.patientBirthDate, record.patientSex, record.accessionNumber,
            record.studyDate, record.studyTime, record.studyDescription, record.referringPhysicianName,
            record.modality, record.seriesNumber, record.seriesDescription, record.instanceNumber,
            record.filePath, record.sizeBytes, record.sha256, record.callingAETitle, record.calledAETitle,
            record.peerAddress, record.associationID, policy,
        ])
    }

    /// Takes the lock that serialises everything done to one SOP Instance UID's rows and
    /// file, until the transaction ends (`pg_advisory_xact_lock` on a hash of the UID): the
    /// receive transaction takes it first, and so does undoing a receive that did not commit,
    /// so neither moves a file while another receiver of that instance is between its
    /// statements and its commit. (Unlike the instance row's lock it exists before the row.)
    /// - Throws: ``PostgresError`` when the UID cannot be encoded.
    public static func lockStatement(sopInstanceUID: String) throws -> PostgresStatement {
        try PostgresStatement(lockInstance, [sopInstanceUID])
    }

    private static let lockInstance = PreparedStatement("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")

    /// What the rows of ``statement(recording:policy:)`` say happened.
    /// - Throws: ``PostgresError`` when they are not what the function returns.
    public static func outcome(_ rows: PostgresRows?) throws -> RecordOutcome {
        guard let row = rows?.first else {
            throw PostgresError(code: .client, message: "record_instance returned no row")
        }
        let name: String = try row.decode(column: "outcome")
        guard let kind = RecordOutcome.Kind(name: name) else {
            throw PostgresError(code: .client, message: "record_instance returned unknown outcome '\(name)'")
        }
        return RecordOutcome(
            kind: kind,
            instanceID: try row.decode(column: "instance_id"),
            previousPath: try row.decode(column: "previous_path")
        )
    }

    private static let recordStatement = PreparedStatement(
        """
        SELECT outcome::text AS outcome, instance_id, previous_path FROM dicom_gw.record_instance(
            $1, $2, $3, $4, $5, $6, $7, $8::date, $9, $10, $11::date, $12::time, $13, $14, $15, $16, $17,
            $18, $19, $20, $21, $22, $23, $24::inet, $25::uuid, $26)
        """
    )
}
