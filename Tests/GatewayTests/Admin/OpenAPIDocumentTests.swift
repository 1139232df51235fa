import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresClient
import Prometheus
import Testing

@Suite("docs/openapi.yaml matches the router")
struct OpenAPIDocumentTests {
    /// (METHOD, path) pairs from the document's `paths:` section. The layout is fixed: paths
    /// at two spaces, operations at four.
    static func documentedOperations() throws -> Set<String> {
        let url = AdminTestDatabase.packageRoot.appendingPathComponent("docs/openapi.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        var operations: Set<String> = []
        var inPaths = false
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("paths:") { inPaths = true; continue }
            if inPaths, let first = line.first, first != " " { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let path {
                let key = line.dropFirst(4).prefix { $0 != ":" }
                if ["get", "post", "put", "patch", "delete"].contains(String(key)) {
                    operations.insert("\(key.uppercased()) \(path)")
                }
            }
        }
        return operations
    }

    @Test("every route is documented and every documented operation is served")
    func routesMatchDocument() async throws {
        // Building the route table needs no database: the pool connects lazily.
        let pool = PostgresPool(configuration: .init(url: "postgresql://127.0.0.1:1/none"), logger: Logger(label: "test"))
        let services = AdminServices(pool: pool, metricsRegistry: PrometheusCollectorRegistry(), logger: Logger(label: "test"))
        let routes = AdminServer(services: services).buildRouter().routes
        await pool.shutdown()
        let served = Set(routes.map { "\($0.method.rawValue) \($0.path)" })
        let documented = try Self.documentedOperations()
        #expect(documented.count > 20)
        #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
    }
}
