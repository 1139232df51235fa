import DICOMNetwork
import Metrics

/// The receive path's metrics (names in ``GatewayMetrics``): objects and bytes stored,
/// C-STORE statuses answered, and the store latency from the end of an object's data to
/// its answer (fsync and commit included).
struct ReceiveMetrics: Sendable {
    /// Where the metrics go; nil for the process-wide `MetricsSystem` factory, looked up at
    /// each use because it is bootstrapped after the receiver is built.
    let factory: (any MetricsFactory)?

    /// Records one answered C-STORE.
    func record(_ result: StoreResult, bytes: Int64, timings: StoreTimings) {
        let factory = self.factory ?? MetricsSystem.factory
        Counter(
            label: GatewayMetrics.storeResponses,
            dimensions: [(GatewayMetrics.Label.status, result.status.description)],
            factory: factory
        ).increment()
        if result.status == .success {
            Counter(label: GatewayMetrics.objectsReceived, factory: factory).increment()
            Counter(label: GatewayMetrics.bytesReceived, factory: factory).increment(by: bytes)
        }
        // Only objects whose data arrived completely have a latency to report.
        if let received = timings.end(of: .received), let answered = timings.end(of: .answered) {
            let elapsed = answered - received
            Metrics.Timer(label: GatewayMetrics.storeDuration, factory: factory).recordNanoseconds(
                elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        }
    }
}
