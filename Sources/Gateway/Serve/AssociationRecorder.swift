public import DICOMNetwork
public import Logging
public import Metrics
public import PostgresClient
import Synchronization

/// Audits and counts every association the DICOM listener accepts or rejects.
///
/// The server calls it on the association's task, so the audit insert runs in a task of its
/// own: an association never waits for the audit log, and a database outage costs audit
/// events (logged), not associations. At most ``maxInFlight`` inserts run at once, so a
/// flood of rejected connections cannot pile up tasks; beyond that events are dropped and
/// said so in the log.
public final class AssociationRecorder: AssociationObserver {
    static let maxInFlight = 64

    private let audit: AuditLog
    private let logger: Logger
    private let factory: any MetricsFactory
    private let open = Mutex(0)
    private let inFlight = Atomic<Int>(0)

    /// A recorder auditing through `pool` and counting through `factory`.
    public init(pool: PostgresPool, logger: Logger, factory: any MetricsFactory = MetricsSystem.factory) {
        self.audit = AuditLog(pool: pool)
        self.logger = logger
        self.factory = factory
    }

    public func associationAccepted(_ info: AssociationInfo) {
        Counter(label: GatewayMetrics.associations, dimensions: [
            (GatewayMetrics.Label.outcome, "accepted"), (GatewayMetrics.Label.reason, ""),
        ], factory: factory).increment()
        self.recordOpen(+1)
        self.record(AuditEvent(
            actor: .remoteAE(info.callingAETitle, address: info.peerAddress),
            action: AuditAction.associationAccepted, objectType: "association", objectID: "\(info.id)",
            details: ["called_ae": .string(info.calledAETitle), "tls": .bool(info.isTLS)]))
    }

    public func associationRejected(_ rejection: AssociationRejection) {
        Counter(label: GatewayMetrics.associations, dimensions: [
            (GatewayMetrics.Label.outcome, "rejected"), (GatewayMetrics.Label.reason, rejection.category),
        ], factory: factory).increment()
        self.record(AuditEvent(
            actor: .remoteAE(rejection.callingAETitle, address: rejection.peerAddress),
            action: AuditAction.associationRejected, objectType: "association", outcome: .failure,
            details: [
                "called_ae": .string(rejection.calledAETitle), "reason": .string(rejection.reason),
                "category": .string(rejection.category), "permanent": .bool(rejection.isPermanent),
                "tls": .bool(rejection.isTLS),
            ]))
    }

    public func associationEnded(_ info: AssociationInfo) {
        self.recordOpen(-1)
    }

    private func recordOpen(_ delta: Int) {
        let now = self.open.withLock { open in
            open += delta
            return open
        }
        Gauge(label: GatewayMetrics.associationsOpen, factory: factory).record(now)
    }

    private func record(_ event: AuditEvent) {
        guard self.inFlight.wrappingAdd(1, ordering: .relaxed).newValue <= Self.maxInFlight else {
            self.inFlight.wrappingSubtract(1, ordering: .relaxed)
            self.logger.warning("association audit event dropped: too many audit writes in flight", metadata: [
                "audit.action": "\(event.action)", "dicom.calling_ae": "\(event.actor.name)",
            ])
            return
        }
        Task {
            defer { self.inFlight.wrappingSubtract(1, ordering: .relaxed) }
            do {
                try await self.audit.record(event)
            } catch {
                self.logger.warning("association audit event not recorded", metadata: [
                    "audit.action": "\(event.action)", "dicom.calling_ae": "\(event.actor.name)", "error": "\(error)",
                ])
            }
        }
    }
}
