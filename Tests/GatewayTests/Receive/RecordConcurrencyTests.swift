import Foundation
import PostgresClient
import Storage
import TestSupport
import Testing

/// `dicom_gw.record_instance` (migration 0009) must not serialise the associations that send
/// one study: recording an instance leaves the study and series rows unlocked when they
/// already say the same thing.
@Suite("Recording instances of one study concurrently", .requiresDatabase)
struct RecordConcurrencyTests {
    static func record(_ sop: String, patientName: String = "DOE^JANE") -> InstanceRecord {
        var record = InstanceRecord(
            uids: InstanceUIDs(study: "1.2.826.0.1.77.1", series: "1.2.826.0.1.77.2", sop: sop),
            sopClassUID: "1.2.840.10008.5.1.4.1.1.2", transferSyntaxUID: "1.2.840.10008.1.2.1",
            filePath: "storage/studies/1.2.826.0.1.77.1/1.2.826.0.1.77.2/\(sop).dcm", sizeBytes: 10,
            sha256: [UInt8](repeating: UInt8(sop.count), count: 32))
        record.patientID = "P1"
        record.patientName = patientName
        record.modality = "CT"
        return record
    }

    @Test("a second association's instance is recorded while the first one's transaction is still open")
    func noParentRowLock() async throws {
        try await TestDatabase.withFresh(migrations: TestDatabase.repositoryMigrations) { database in
            try await database.withPool { pool in
                _ = try await pool.withTransaction { try await InstanceStore.record(Self.record("1.2.826.0.1.77.3.1"), policy: "replace", on: $0) }
                try await pool.withTransaction { first in
                    _ = try await InstanceStore.record(Self.record("1.2.826.0.1.77.3.2"), policy: "replace", on: first)
                    // The first transaction is open (as it is across a file's fsync); the
                    // second must not wait for it.
                    try await pool.withTransaction { second in
                        _ = try await second.execute("SET LOCAL lock_timeout = '3s'")
                        _ = try await InstanceStore.record(Self.record("1.2.826.0.1.77.3.3"), policy: "replace", on: second)
                    }
                }
                // A changed attribute still reaches the study row.
                _ = try await pool.withTransaction {
                    try await InstanceStore.record(Self.record("1.2.826.0.1.77.3.4", patientName: "DOE^JOHN"), policy: "replace", on: $0)
                }
                let rows = try await pool.query("SELECT patient_name FROM dicom_gw.studies")
                #expect(rows.count == 1)
                #expect(try rows.first?.decode(String.self, column: "patient_name") == "DOE^JOHN")
                #expect(try await pool.query("SELECT 1 FROM dicom_gw.instances").count == 4)
                #expect(try await pool.query("SELECT 1 FROM dicom_gw.series").count == 1)
            }
        }
    }
}
