import DICOM
import DICOMNetwork
import Foundation
import Gateway
import Prometheus
import Storage
import Testing
import TestSupport

/// The receive path's metrics and its pipelined writes (chunks hashed and written while the
/// next ones arrive, the fsync running beside the rows).
@Suite("Receive: metrics and pipelined writes", .requiresDatabase)
struct ReceiveMetricsTests {
    @Test("objects, bytes, statuses and store latency are counted; multi-chunk objects are stored intact")
    func metricsAndLargeObjects() async throws {
        let registry = PrometheusCollectorRegistry()
        let generator = try UIDGenerator()
        try await GatewayHarness.with(metricsFactory: GatewayMetrics.makeFactory(registry: registry)) { gateway in
            let study = generator.make(), series = generator.make()
            // 1.7 MB: a 1 MB first chunk, 256 KB chunks and a tail; 700 KB and 40 bytes: one trip to
            // the pool each (written, fsynced and placed after the last byte).
            let large = generator.make(), medium = generator.make(), small = generator.make(), mismatched = generator.make()
            let objects: [(sop: String, dataSet: DataSet)] = [
                (large, InstanceFactory.dataSet(study: study, series: series, sop: large, number: 1, pixelBytes: 1_700_000)),
                (medium, InstanceFactory.dataSet(study: study, series: series, sop: medium, number: 4, pixelBytes: 700_000)),
                (small, InstanceFactory.dataSet(study: study, series: series, sop: small, number: 2, pixelBytes: 40)),
                // The data set names another SOP instance than the command: refused after the
                // whole data set arrived.
                (mismatched, InstanceFactory.dataSet(study: study, series: series, sop: generator.make(), number: 3, pixelBytes: 300_000)),
            ]
            let outcomes = try await TestSCU.store(port: gateway.port, objects)
            #expect(outcomes.map(\.status) == [.success, .success, .success, .dataSetDoesNotMatchSOPClass])

            let state = try await TreeState.read(gateway.layout, pool: gateway.pool)
            #expect(state.agrees)
            #expect(state.incoming.isEmpty, "the refused object's partial file was removed")
            #expect(state.rows.count == 3)
            var storedBytes = 0
            for object in objects.prefix(3) {
                let row = try #require(state.rows[object.sop])
                let path = gateway.layout.absolute(row.path)
                let sent = try DataSetWriter.encode(object.dataSet, transferSyntax: .explicitVRLittleEndian)
                #expect(try InstanceFactory.dataSetBytes(path) == Data(sent), "\(object.sop) stored byte for byte")
                let stored = try InstanceFileInspector.inspect(path, full: true)
                #expect(stored.sha256 == row.sha256, "the row's checksum is the data set's")
                #expect(row.size == Int64(sent.count))
                storedBytes += sent.count
            }

            let text = registry.emitToString()
            #expect(text.contains("dicom_gw_objects_received_total 3"))
            #expect(text.contains(#"dicom_gw_cstore_responses_total{status="0000"} 3"#))
            #expect(text.contains(#"dicom_gw_cstore_responses_total{status="A900"} 1"#))
            let bytesLine = try #require(text.split(separator: "\n").first { $0.hasPrefix("dicom_gw_bytes_received_total ") })
            #expect(bytesLine == "dicom_gw_bytes_received_total \(storedBytes)")
            #expect(storedBytes > 2_300_000, "the large object spans several write chunks")
            #expect(text.contains("dicom_gw_store_duration_seconds_count 4"))
        }
    }
}
