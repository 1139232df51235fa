import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import PostgresClient
import Prometheus
import TestSupport
import Testing

@Suite("Health, readiness and metrics", .requiresDatabase)
struct HealthAndMetricsTests {
    struct NotBound: Error, CustomStringConvertible {
        var description: String { "DICOM listener not bound" }
    }

    @Test("readyz reports each check and answers 503 when one fails")
    func readiness() async throws {
        try await AdminTestDatabase.with { pool in
            let checks = [
                ReadinessCheck(name: "database") { try await pool.execute("SELECT 1") },
                ReadinessCheck(name: "listeners") { throw NotBound() },
            ]
            let app = try await AdminTestApp.make(pool: pool, readinessChecks: checks)
            try await app.test { client in
                #expect(try await client.send(.get, "/healthz").status == .ok)
                let ready = try await client.send(.get, "/readyz")
                #expect(ready.status == .serviceUnavailable)
                let results = ready.object["checks"] as? [[String: Any]] ?? []
                #expect(results.map { $0["ok"] as? Bool } == [true, false])
                #expect(results.last?["error"] as? String == "DICOM listener not bound")
            }
            let healthy = AdminServer(
                services: app.services, readinessChecks: [ReadinessCheck(name: "database") { try await pool.execute("SELECT 1") }])
            let status = try await healthy.makeApplication().test(.router) { client in try await client.send(.get, "/readyz").status }
            #expect(status == .ok)
        }
    }

    @Test("a check that never answers makes readyz answer 503 after its timeout, not hang")
    func stuckCheck() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            let server = AdminServer(
                services: app.services,
                readinessChecks: [ReadinessCheck(name: "storage") { try await Task.sleep(for: .seconds(3600)) }])
            let start = ContinuousClock.now
            let response = try await server.makeApplication().test(.router) { client in try await client.send(.get, "/readyz") }
            #expect(response.status == .serviceUnavailable)
            #expect(response.text.contains("no answer within 5 seconds"))
            #expect(ContinuousClock.now - start < .seconds(30))
        }
    }

    @Test("request metrics appear after traffic, labelled by route template")
    func httpMetrics() async throws {
        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await app.test { client in
                _ = try await client.send(.get, "/api/v1/users", headers: app.auth(.admin))
                _ = try await client.send(.get, "/api/v1/users/999", headers: app.auth(.admin))
                _ = try await client.send(.get, "/api/v1/users")
                let metrics = try await client.send(.get, "/metrics")
                #expect(metrics.status == .ok)
                #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = metrics.text
                #expect(text.contains(#"dicom_gw_http_requests_total{method="GET",route="/api/v1/users",status="200"} 1"#))
                #expect(text.contains(#"dicom_gw_http_requests_total{method="GET",route="/api/v1/users",status="401"} 1"#))
                #expect(text.contains(#"route="/api/v1/users/{id}",status="404""#))
                #expect(text.contains("dicom_gw_http_request_duration_seconds_bucket"))
            }
        }
    }

    @Test("disk free and certificate expiry gauges")
    func resourceGauges() async throws {
        let registry = PrometheusCollectorRegistry()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-gauge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("server.pem").path
        let key = directory.appendingPathComponent("server.key").path
        try TestCertificates.make(certificate: certificate, key: key, days: 30)
        let gauges = ResourceGauges(
            storageRoot: directory.path, certificatePaths: [certificate], factory: GatewayMetrics.makeFactory(registry: registry))
        await gauges.sample()
        let text = registry.emitToString()
        #expect(text.contains("dicom_gw_storage_free_bytes"))
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("dicom_gw_tls_certificate_days_to_expiry{") })
        let days = try #require(Double(line.split(separator: " ").last ?? ""))
        #expect(days > 29 && days <= 30)
    }
}

/// Self-signed certificates made with the openssl command-line tool.
enum TestCertificates {
    struct Failed: Error {}

    static func make(certificate: String, key: String, days: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost",
            "-days", String(days), "-keyout", key, "-out", certificate,
        ]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failed() }
    }
}
