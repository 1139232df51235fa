import DICOM
import DICOMNetwork
import Foundation
public import JobQueue
public import Metrics
public import Logging
import NIOCore
public import PostgresClient
public import Storage

/// Sends one claimed batch (one destination, one study) over one association and records
/// each object's outcome in the delivery ledger, then applies the archive policy to objects
/// whose every delivery has finished.
///
/// Outcomes (design note dicom-protocol.md, "For sending"): `0000`/`B0xx` delivered;
/// `A7xx`, transient rejects, timeouts and resets retried with backoff; `0122`, `0124`,
/// `A9xx`, `Cxxx` and permanent rejects dead-lettered with the status and comment. Connection
/// failures count towards the destination's circuit breaker, which pauses its lane (jobs
/// wait without spending attempts) once open.
public struct ForwardHandler: Sendable {
    let pool: PostgresPool
    let layout: StorageLayout
    let settings: ForwardSettings
    let archiver: Archiver
    let logger: Logger

    /// A handler reading files under `layout`.
    public init(pool: PostgresPool, layout: StorageLayout, settings: ForwardSettings, logger: Logger) {
        self.pool = pool
        self.layout = layout
        self.settings = settings
        self.archiver = Archiver(pool: pool, layout: layout, logger: logger)
        self.logger = logger
    }

    /// One object's result as the ledger records it.
    struct Outcome {
        var result: JobResult
        var state: String?  // nil: ledger untouched (snoozed)
        var status: String?
        var error: String?
        var countsAttempt = true
    }

    private struct Item {
        var job: ClaimedJob
        var instanceID: Int64
        var file: DICOMFileSummary?
        var problem: String?
    }

    /// Handles a batch for `JobWorker`.
    public func handle(_ batch: JobBatch) async -> [JobResult] {
        let claimed = ContinuousClock.now
        let jobs = batch.jobs
        guard let first = jobs.first else { return [] }
        guard first.lane.hasPrefix("destination:"), let destinationID = Int64(first.lane.dropFirst("destination:".count)) else {
            return jobs.map { _ in .failed(.permanent, message: "not a destination lane: \(first.lane)") }
        }
        let destination: Destination
        do {
            guard let found = try await DestinationStore(pool: pool).find(id: destinationID) else {
                return jobs.map { _ in .failed(.permanent, message: "destination \(destinationID) no longer exists") }
            }
            destination = found
        } catch {
            return jobs.map { _ in .snoozed(.seconds(1)) }
        }
        var logger = self.logger
        logger[metadataKey: ForwardLogKey.destination] = "\(destination.name)"

        let limit = max(1, destination.maxObjectsPerAssociation)
        let sending = Array(jobs.prefix(limit))
        var outcomes: [Outcome] = []
        let leaseIDs = sending.map(\.lease.leaseID)
        let slot: Int32?
        do {
            slot = try await pool.query(
                "SELECT dicom_gw.forward_slot_acquire($1, $2::int, $3) AS slot",
                [destinationID, destination.maxAssociations, leaseIDs]
            ).first?.decode(Int32?.self, column: "slot")
        } catch {
            logger.warning("cannot take an association slot: \(error)")
            return jobs.map { _ in .snoozed(.seconds(1)) }
        }
        guard let slot else {
            // Every association of the destination is in use: wait without spending attempts.
            return jobs.map { _ in .snoozed(settings.slotWait) }
        }
        let items = await load(sending)
        outcomes = await send(items, to: destination, batch: batch, logger: logger)
        _ = try? await pool.execute("SELECT dicom_gw.forward_slot_release($1, $2::int, $3)", [destinationID, Int(slot), leaseIDs])

        await record(items: items, outcomes: outcomes, destination: destination, logger: logger)
        Self.count(outcomes.map(\.state), destination: destination.name, since: claimed)
        let finished = zip(items, outcomes).compactMap { item, outcome in
            outcome.state == "delivered" || outcome.state == "failed" ? item.instanceID : nil
        }
        await archiver.settle(instanceIDs: finished)
        // Beyond the destination's per-association limit: back in the queue at once.
        return outcomes.map(\.result) + jobs.dropFirst(limit).map { _ in .snoozed(.zero) }
    }

    /// Finds each job's instance row and reads its file's meta information.
    private func load(_ jobs: [ClaimedJob]) async -> [Item] {
        var items = jobs.map { job in
            let id = (try? JSONSerialization.jsonObject(with: Data(job.payload.utf8)) as? [String: Any])?["instance_id"]
            return Item(job: job, instanceID: (id as? NSNumber)?.int64Value ?? 0)
        }
        let ids = items.map(\.instanceID)
        var paths: [Int64: (path: String, state: String)] = [:]
        do {
            let rows = try await pool.query(
                "SELECT id, file_path, storage_state::text AS state FROM dicom_gw.instances WHERE id = ANY ($1)", [ids])
            for row in rows {
                paths[try row.decode(Int64.self, column: "id")] =
                    (try row.decode(String.self, column: "file_path"), try row.decode(String.self, column: "state"))
            }
        } catch {
            for i in items.indices { items[i].problem = "database: \(error)" }
            return items
        }
        var reads: [(index: Int, relative: String, absolute: String)] = []
        for i in items.indices {
            guard let entry = paths[items[i].instanceID] else {
                items[i].problem = "instance \(items[i].instanceID) no longer exists"
                continue
            }
            guard entry.state != "deleted" else {
                items[i].problem = "the file was deleted (storage_state deleted)"
                continue
            }
            reads.append((i, entry.path, layout.absolute(entry.path)))
        }
        // Every file's meta information in one trip to an I/O thread, not one per object.
        let summaries = await ForwardFileSummary.read(paths: reads.map(\.absolute))
        for (read, summary) in zip(reads, summaries) {
            switch summary {
            case .success(let file): items[read.index].file = file
            case .failure(let error): items[read.index].problem = "cannot read \(read.relative): \(error)"
            }
        }
        return items
    }

    private func send(_ items: [Item], to destination: Destination, batch: JobBatch, logger: Logger) async -> [Outcome] {
        var outcomes = items.map { item -> Outcome? in
            guard let problem = item.problem else { return nil }
            if problem.hasPrefix("database:") {
                return Outcome(result: .snoozed(.seconds(1)), state: nil, countsAttempt: false)
            }
            return Outcome(result: .failed(.permanent, message: problem), state: "failed", error: problem)
        }
        let pending = items.indices.filter { outcomes[$0] == nil }
        guard !pending.isEmpty else { return outcomes.map { $0! } }

        var proposals: [String: [String]] = [:]
        var order: [String] = []
        for i in pending {
            guard let file = items[i].file else { continue }
            if proposals[file.sopClassUID] == nil { order.append(file.sopClassUID) }
            var syntaxes = proposals[file.sopClassUID] ?? []
            for ts in file.proposedTransferSyntaxes where !syntaxes.contains(ts) { syntaxes.append(ts) }
            proposals[file.sopClassUID] = syntaxes
        }
        // One context per SOP class and transfer syntax, so the peer may accept each as is.
        var contexts: [DICOMClient.ProposedContext] = []
        for sopClass in order {
            for ts in proposals[sopClass] ?? [] where contexts.count < 128 {
                contexts.append(.init(abstractSyntax: sopClass, transferSyntaxes: [ts]))
            }
        }
        let timeout = TimeAmount.nanoseconds(Int64(settings.networkTimeout.components.seconds) * 1_000_000_000
            + settings.networkTimeout.components.attoseconds / 1_000_000_000)
        let client = DICOMClient(
            configuration: .init(
                callingAETitle: destination.callingAETitle ?? settings.callingAETitle,
                calledAETitle: destination.aeTitle,
                timeouts: AssociationTimeouts(artim: timeout, acse: timeout, dimse: timeout, idle: timeout),
                connectTimeout: .nanoseconds(Int64(settings.connectTimeout.components.seconds) * 1_000_000_000),
                tls: destination.tlsSettings),
            logger: logger)

        var connected = false
        var lastExtend = ContinuousClock.now
        do {
            try await client.withAssociation(host: destination.host, port: destination.port, contexts: contexts) { association in
                connected = true
                // The loop only awaits (reads go to I/O threads, statements to their connections'
                // threads), so it runs on the association's event loop: each response is handled,
                // and the next request written, on the thread that read the response.
                try await withTaskExecutorPreference(association.preferredExecutor) {
                    // The next object is read while the peer answers the current one, so neither the
                    // read nor its trip to an I/O thread waits in line between two C-STOREs. At most
                    // two data sets (4 MB each at most; larger ones stream) are in memory.
                    let files = pending.compactMap { items[$0].file }
                    var ahead = files.first.map { association.readAhead($0) }
                    var next = 1
                    for i in pending {
                        guard let file = items[i].file else { continue }
                        let prepared = (try? await ahead?.get()) ?? nil
                        ahead = next < files.count ? association.readAhead(files[next]) : nil
                        next += 1
                        do {
                            let result: StoreOutcome
                            if let data = prepared, data.file == file {
                                result = try await association.store(prepared: data)
                            } else {
                                // Too large to hold (streamed), or the read failed: the file path says why.
                                result = try await association.store(file: file)
                            }
                            outcomes[i] = Self.outcome(for: result, job: items[i].job, destination: destination)
                        } catch let error as AssociationError where error.code == .noAcceptedContext {
                            let message = "destination does not accept \(file.sopClassUID) in \(file.transferSyntaxUID)"
                            outcomes[i] = Outcome(result: .failed(.permanent, message: message), state: "failed", status: nil, error: message)
                        }
                        if ContinuousClock.now - lastExtend > .seconds(5) {
                            lastExtend = .now
                            _ = try? await batch.extendLeases()
                        }
                    }
                }
            }
        } catch let error as AssociationError {
            let message = "\(error)"
            if !connected {
                return await connectionFailed(items: items, outcomes: outcomes, pending: pending, error: error, destination: destination, logger: logger)
            }
            // Broken mid-batch (reset, abort, timeout): what was not answered is retried.
            logger.warning("association broke mid-batch: \(message)")
            for i in pending where outcomes[i] == nil {
                outcomes[i] = transient(message, job: items[i].job, destination: destination)
            }
        } catch {
            for i in pending where outcomes[i] == nil {
                outcomes[i] = transient("\(error)", job: items[i].job, destination: destination)
            }
        }
        if connected {
            _ = try? await pool.execute(
                "UPDATE dicom_gw.destinations SET connection_failures = 0, last_connected_at = now(), last_error = NULL WHERE id = $1",
                [destination.id])
        }
        return outcomes.enumerated().map { i, o in o ?? transient("no response", job: items[i].job, destination: destination) }
    }

    /// The association never opened: a permanent reject dead-letters; anything else counts
    /// towards the breaker, and an open breaker pauses the lane without spending attempts.
    private func connectionFailed(
        items: [Item], outcomes: [Outcome?], pending: [Int], error: AssociationError, destination: Destination, logger: Logger
    ) async -> [Outcome] {
        var outcomes = outcomes
        let message = "\(error)"
        if error.code == .rejected, error.reject?.result == .permanent {
            for i in pending {
                outcomes[i] = Outcome(result: .failed(.permanent, message: "association rejected: \(message)"),
                                      state: "failed", error: "association rejected: \(message)")
            }
            return outcomes.map { $0! }
        }
        var open = false
        do {
            let row = try await pool.query("""
                UPDATE dicom_gw.destinations SET connection_failures = connection_failures + 1, last_error = $2
                WHERE id = $1 RETURNING connection_failures >= breaker_threshold AS open
                """, [destination.id, message]).first
            open = try row?.decode(Bool.self, column: "open") ?? false
        } catch {
            logger.warning("cannot count the connection failure: \(error)")
        }
        if open {
            logger.warning("destination unreachable; circuit breaker open, pausing it for \(destination.breakerPause) s: \(message)")
            for i in pending {
                outcomes[i] = Outcome(result: .failed(.outage, message: message, retryIn: .seconds(destination.breakerPause)),
                                      state: "pending", error: message, countsAttempt: false)
            }
        } else {
            logger.notice("destination unreachable, will retry: \(message)")
            for i in pending { outcomes[i] = transient(message, job: items[i].job, destination: destination) }
        }
        return outcomes.map { $0! }
    }

    private func transient(_ message: String, job: ClaimedJob, destination: Destination, status: String? = nil) -> Outcome {
        if job.attempt >= Int32(destination.maxAttempts) {
            let text = "attempts spent (\(job.attempt)): \(message)"
            return Outcome(result: .failed(.permanent, message: text), state: "failed", status: status, error: text)
        }
        return Outcome(result: .failed(.transient, message: message), state: "pending", status: status, error: message)
    }

    static func outcome(for result: StoreOutcome, job: ClaimedJob, destination: Destination) -> Outcome {
        let status = result.status.description
        let comment = result.errorComment.map { ": \($0)" } ?? ""
        switch result.disposition {
        case .delivered:
            return Outcome(result: .completed, state: "delivered", status: status)
        case .deliveredWithWarning:
            return Outcome(result: .completed, state: "delivered", status: status, error: "warning \(status)\(comment)")
        case .retryable:
            let message = "status \(status)\(comment)"
            if job.attempt >= Int32(destination.maxAttempts) {
                let text = "attempts spent (\(job.attempt)): \(message)"
                return Outcome(result: .failed(.permanent, message: text), state: "failed", status: status, error: text)
            }
            return Outcome(result: .failed(.transient, message: message), state: "pending", status: status, error: message)
        case .permanent:
            let message = "refused with status \(status)\(comment)"
            return Outcome(result: .failed(.permanent, message: message), state: "failed", status: status, error: message)
        }
    }

    /// Forward outcomes per destination (`success`, `retry`, `failed`) and, per object, the time
    /// from its batch's claim to its result.
    /// - Parameter states: each object's ledger state (`delivered`, `pending`, `failed`; nil
    ///   when it was snoozed without an attempt).
    public static func count(
        _ states: [String?], destination: String, since claimed: ContinuousClock.Instant,
        factory: any MetricsFactory = MetricsSystem.factory
    ) {
        let elapsed = ContinuousClock.now - claimed
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        let name = (GatewayMetrics.Label.destination, destination)
        for state in states {
            let word: String
            switch state {
            case "delivered": word = "success"
            case "failed": word = "failed"
            case "pending": word = "retry"
            default: continue  // snoozed: no attempt was made
            }
            Counter(label: GatewayMetrics.forwards, dimensions: [name, (GatewayMetrics.Label.outcome, word)], factory: factory)
                .increment()
            Metrics.Timer(label: GatewayMetrics.forwardDuration, dimensions: [name], factory: factory).recordNanoseconds(nanoseconds)
        }
    }

    /// Writes the ledger rows, and audits dead letters, in one transaction.
    ///
    /// Fenced like the queue's own reports: a row is written only while this attempt's lease
    /// is still the job's current one, so an attempt presumed dead (its worker frozen, then
    /// rescued) that answers late cannot overwrite what a newer attempt recorded.
    private func record(items: [Item], outcomes: [Outcome], destination: Destination, logger: Logger) async {
        var ids: [Int64] = [], states: [String] = [], statuses: [String] = [], errors: [String] = [], counts: [Int32] = []
        var jobIDs: [Int64] = [], leaseIDs: [Int64] = []
        for (item, outcome) in zip(items, outcomes) {
            guard let state = outcome.state else { continue }
            jobIDs.append(item.job.id)
            leaseIDs.append(item.job.lease.leaseID)
            ids.append(item.instanceID)
            states.append(state)
            statuses.append(outcome.status ?? "")
            errors.append(outcome.error ?? "")
            counts.append(outcome.countsAttempt ? 1 : 0)
        }
        guard !ids.isEmpty else { return }
        var failed = zip(items, outcomes).filter { $0.1.state == "failed" }
        do {
            try await pool.withTransaction { connection in
                let written = try await connection.query("""
                    UPDATE dicom_gw.deliveries d
                    SET state = t.state, attempts = d.attempts + t.n, last_status = nullif(t.status, ''),
                        last_error = nullif(t.error, ''), last_attempt_at = now(),
                        delivered_at = CASE WHEN t.state = 'delivered' THEN now() ELSE d.delivered_at END
                    FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[], $8::bigint[])
                         AS t(instance_id, state, status, error, n, job_id, lease_id)
                    WHERE d.destination_id = $1 AND d.instance_id = t.instance_id
                      -- still held: a lease id is set only while its job runs, so no state test
                      -- (which would let the planner pick the running index: migration 0012)
                      AND EXISTS (SELECT 1 FROM dicom_gw.jobs j
                                  WHERE j.id = t.job_id AND j.lease_id = t.lease_id)
                    RETURNING t.job_id
                    """, [destination.id, ids, states, statuses, errors, counts, jobIDs, leaseIDs])
                let current = Set(try written.map { try $0.decode(Int64.self, column: "job_id") })
                if current.count < jobIDs.count {
                    logger.warning("results of a superseded attempt discarded", metadata: [
                        ForwardLogKey.jobID: "\(Set(jobIDs).subtracting(current).sorted())",
                    ])
                }
                failed = failed.filter { current.contains($0.0.job.id) }
                for (item, outcome) in failed {
                    try await Audit.record(
                        .system("forwarder"), action: "forward.dead_letter", objectType: "instance",
                        objectID: item.file?.sopInstanceUID ?? String(item.instanceID), outcome: "failure",
                        details: ["destination": destination.name, "job_id": String(item.job.id),
                                  "status": outcome.status ?? "", "error": outcome.error ?? ""],
                        on: connection)
                }
            }
        } catch {
            logger.warning("cannot update the delivery ledger: \(error)")
        }
        for (item, outcome) in failed {
            logger.warning("dead-lettered", metadata: [
                ForwardLogKey.jobID: "\(item.job.id)", ForwardLogKey.status: "\(outcome.status ?? "")",
                ForwardLogKey.error: "\(outcome.error ?? "")",
            ])
        }
    }
}
