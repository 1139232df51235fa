import Foundation
import Gateway
import JobQueue
import Logging
import PostgresClient

/// Data for console tests: a destination, a study with two instances routed to it, one
/// delivery dead-lettered (its job failed for good) and one still queued.
struct ConsoleFixture {
    let destination: Destination
    let studyUID: String
    let deadJobID: Int64
    let liveJobID: Int64

    static func make(pool: PostgresPool, destinationPort: Int = 1) async throws -> ConsoleFixture {
        let store = DestinationStore(pool: pool)
        var pacs = Destination(name: "pacs", aeTitle: "PACS", host: "127.0.0.1", port: destinationPort)
        pacs.description = "main archive"
        let destination = try await store.save(pacs, actor: .system("test"))
        let studyUID = "1.2.826.0.1.3680043.8.498.1"
        let rows = try await pool.query(
            """
            WITH st AS (INSERT INTO dicom_gw.studies (study_instance_uid, patient_id, patient_name, accession_number, study_date, study_description)
                        VALUES ($1, 'PID-001', 'DOE^JANE', 'ACC42', '2026-11-28', 'CT CHEST') RETURNING id),
                 se AS (INSERT INTO dicom_gw.series (study_id, series_instance_uid, modality, series_number, series_description)
                        SELECT id, $1 || '.1', 'CT', 1, 'AXIAL' FROM st RETURNING id, study_id)
            INSERT INTO dicom_gw.instances (series_id, study_id, sop_instance_uid, sop_class_uid, transfer_syntax_uid, instance_number,
                                            file_path, size_bytes, sha256, calling_ae_title)
            SELECT se.id, se.study_id, $1 || '.1.' || n, '1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.1.2.1', n,
                   'storage/studies/x/' || n || '.dcm', 524288, decode(repeat('00', 32), 'hex'), 'MODALITY'
              FROM se, generate_series(1, 2) AS n
            RETURNING id
            """, [studyUID])
        let instanceIDs = try rows.map { try $0.decode(Int64.self, column: "id") }.sorted()
        let queue = JobQueue(pool: pool, logger: Logger(label: "console-test"))
        let ids = try await queue.enqueue(
            instanceIDs.map {
                NewJob(kind: ForwardHooks.jobKind, lane: destination.lane, payload: #"{"instance_id":\#($0)}"#, groupKey: "study:\(studyUID)")
            }, into: ForwardHooks.queueName
        ).compactMap { $0 }
        for (instance, job) in zip(instanceIDs, ids) {
            _ = try await pool.execute(
                "INSERT INTO dicom_gw.deliveries (instance_id, destination_id, state, job_id) VALUES ($1, $2, 'pending', $3)",
                [instance, destination.id, job])
        }
        // The first job fails for good: a dead letter, its ledger row failed.
        let worker = try await queue.registerWorker(name: "test", host: "localhost", pid: 1, queues: [ForwardHooks.queueName])
        let claimed = try await queue.claim(queue: ForwardHooks.queueName, worker: worker, limit: 1, lease: .seconds(60))
        guard let lease = claimed.first?.lease else { throw FixtureError() }
        try await queue.fail(lease, kind: .permanent, message: "C-STORE refused: A700 out of resources")
        _ = try await pool.execute(
            "UPDATE dicom_gw.deliveries SET state = 'failed', last_error = 'A700 out of resources', attempts = 1, last_attempt_at = now() WHERE job_id = $1",
            [lease.jobID])
        try await queue.deregisterWorker(worker)
        let live = ids.first { $0 != lease.jobID } ?? 0
        return ConsoleFixture(destination: destination, studyUID: studyUID, deadJobID: lease.jobID, liveJobID: live)
    }

    struct FixtureError: Error {}
}
