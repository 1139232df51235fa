import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresClient
import Synchronization
import TestSupport
import Testing

@Suite("TLS upload", .requiresDatabase)
struct TLSUploadTests {
    struct Material {
        let certificate: String
        let key: String
    }

    static func make(in directory: URL, name: String, days: Int) throws -> Material {
        let certificate = directory.appendingPathComponent("\(name).crt").path
        let key = directory.appendingPathComponent("\(name).key").path
        try TestCertificates.make(certificate: certificate, key: key, days: days)
        return Material(
            certificate: try String(contentsOfFile: certificate, encoding: .utf8), key: try String(contentsOfFile: key, encoding: .utf8))
    }

    static func json(_ certificate: String, _ key: String) throws -> String {
        let body = ["certificate_pem": certificate, "private_key_pem": key]
        return String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
    }

    @Test("validates, writes 0640 files, reloads; refuses a key that does not match and restores on a failed reload")
    func upload() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try Self.make(in: directory, name: "good", days: 90)
        let other = try Self.make(in: directory, name: "other", days: 90)
        let paths = TLSMaterialStore.Paths(
            certificate: directory.appendingPathComponent("server.pem").path,
            key: directory.appendingPathComponent("server.key").path, ca: nil)
        let reloads = Mutex(0)
        let failReload = Mutex(false)
        struct ReloadFailed: Error {}
        let store = TLSMaterialStore(paths: paths) {
            reloads.withLock { $0 += 1 }
            if failReload.withLock({ $0 }) { throw ReloadFailed() }
        }

        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            let server = AdminServer(services: app.services, tlsStore: store)
            try await server.makeApplication().test(.router) { client in
                #expect(try await client.send(.get, "/api/v1/tls", headers: app.auth(.viewer)).status == .notFound)

                let mismatch = try await client.send(.put, "/api/v1/tls", headers: app.auth(.admin), json: try Self.json(good.certificate, other.key))
                #expect(mismatch.status == .unprocessableContent)
                #expect(mismatch.text.contains("does not match"))
                let garbage = try await client.send(.put, "/api/v1/tls", headers: app.auth(.admin), json: try Self.json("hello", good.key))
                #expect(garbage.status == .unprocessableContent)
                #expect(!FileManager.default.fileExists(atPath: paths.certificate), "nothing written for a refused upload")
                #expect(try await client.send(.put, "/api/v1/tls", headers: app.auth(.operator), json: try Self.json(good.certificate, good.key)).status == .forbidden)

                let installed = try await client.send(.put, "/api/v1/tls", headers: app.auth(.admin), json: try Self.json(good.certificate, good.key))
                #expect(installed.status == .ok, "\(installed.text)")
                #expect(installed.object["subject"] as? String == "CN=localhost")
                #expect(reloads.withLock { $0 } == 1)
                for path in [paths.certificate, paths.key] {
                    let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
                    #expect(mode == 0o640, "\(path)")
                }
                #expect(try String(contentsOfFile: paths.key, encoding: .utf8) == good.key)
                let shown = try await client.send(.get, "/api/v1/tls", headers: app.auth(.viewer))
                #expect(shown.object["sha256_fingerprint"] as? String == installed.object["sha256_fingerprint"] as? String)

                failReload.withLock { $0 = true }
                let failed = try await client.send(.put, "/api/v1/tls", headers: app.auth(.admin), json: try Self.json(other.certificate, other.key))
                #expect(failed.status == .internalServerError)
                #expect(try String(contentsOfFile: paths.key, encoding: .utf8) == good.key, "previous key restored")
            }
            let events = try await app.services.auditQuery.list(AuditFilter(action: AuditAction.tlsChanged), limit: 10)
            #expect(events.filter { $0.outcome == "success" }.count == 1)
            #expect(events.filter { $0.outcome == "failure" }.count == 2)
            #expect(!events.contains { (try? $0.details.jsonText())?.contains("PRIVATE KEY") == true })
        }
    }

    @Test("an expired certificate is refused")
    func expired() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let material = try Self.make(in: directory, name: "soon", days: 1)
        let store = TLSMaterialStore(
            paths: .init(certificate: directory.appendingPathComponent("s.pem").path, key: directory.appendingPathComponent("s.key").path, ca: nil)
        ) {}
        await #expect(throws: ResourceError.self) {
            try await store.install(certificatePEM: material.certificate, keyPEM: material.key, caPEM: nil, now: Date(timeIntervalSinceNow: 3 * 86_400))
        }
        let status = try await store.install(certificatePEM: material.certificate, keyPEM: material.key, caPEM: nil)
        #expect(status.daysToExpiry > 0 && status.daysToExpiry <= 1)
    }
}
