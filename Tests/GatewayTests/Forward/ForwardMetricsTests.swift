import Gateway
import Prometheus
import Testing

@Suite("Forward metrics")
struct ForwardMetricsTests {
    @Test("outcomes per destination and the claim-to-result time, snoozes not counted")
    func outcomes() {
        let registry = PrometheusCollectorRegistry()
        let factory = GatewayMetrics.makeFactory(registry: registry)
        ForwardHandler.count(["delivered", "delivered", "pending", "failed", nil], destination: "pacs", since: .now, factory: factory)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        func value(_ series: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        #expect(value(#"dicom_gw_forwards_total{destination="pacs",outcome="success"}"#) == 2)
        #expect(value(#"dicom_gw_forwards_total{destination="pacs",outcome="retry"}"#) == 1)
        #expect(value(#"dicom_gw_forwards_total{destination="pacs",outcome="failed"}"#) == 1)
        #expect(value(#"dicom_gw_forward_duration_seconds_count{destination="pacs"}"#) == 4)
    }
}
