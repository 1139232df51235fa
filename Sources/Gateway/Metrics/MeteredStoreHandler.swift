public import DICOMNetwork
import Foundation
public import Metrics

/// A ``StoreHandler`` that counts what another one answers: C-STORE responses by status,
/// objects stored, and the time from the request to its answer.
public struct MeteredStoreHandler: StoreHandler {
    let base: any StoreHandler
    let factory: any MetricsFactory

    /// Wraps `base`, emitting through `factory` (the global one by default).
    public init(_ base: any StoreHandler, factory: any MetricsFactory = MetricsSystem.factory) {
        self.base = base
        self.factory = factory
    }

    public func store(_ request: StoreRequest, dataSet: DataSetStream) async -> StoreResult {
        let start = ContinuousClock.now
        let result = await base.store(request, dataSet: dataSet)
        let elapsed = ContinuousClock.now - start
        let status = String(format: "%04X", result.status.rawValue)
        Counter(label: GatewayMetrics.storeResponses, dimensions: [(GatewayMetrics.Label.status, status)], factory: factory).increment()
        if result.status == .success {
            Counter(label: GatewayMetrics.objectsReceived, factory: factory).increment()
        }
        Timer(label: GatewayMetrics.storeDuration, factory: factory).recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return result
    }
}
