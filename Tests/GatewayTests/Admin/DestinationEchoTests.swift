import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix
import PostgresClient
import TestSupport
import Testing

@Suite("Destination echo test", .requiresDatabase, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/storescp")))
struct DestinationEchoTests {
    /// A port free right now (bound on 127.0.0.1 then released).
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    @Test("C-ECHO against DCMTK's storescp succeeds; a closed port fails; both audited")
    func echo() async throws {
        let port = try await Self.freePort()
        let peer = Process()
        peer.executableURL = URL(fileURLWithPath: "/usr/bin/storescp")
        peer.arguments = ["--aetitle", "PEER", "--output-directory", FileManager.default.temporaryDirectory.path, String(port)]
        peer.environment = ["TCP_NODELAY": "1"]
        peer.standardOutput = FileHandle.nullDevice
        peer.standardError = FileHandle.nullDevice
        try peer.run()
        defer {
            // storescp does not stop on SIGTERM while it waits for associations.
            kill(peer.processIdentifier, SIGKILL)
            peer.waitUntilExit()
        }
        try await Task.sleep(for: .milliseconds(300))

        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            try await app.test { client in
                func create(_ name: String, _ ae: String, _ port: Int) async throws -> Int {
                    let response = try await client.send(
                        .post, "/api/v1/destinations", headers: app.auth(.operator),
                        json: #"{"name":"\#(name)","ae_title":"\#(ae)","host":"127.0.0.1","port":\#(port)}"#)
                    return try #require(response.object["id"] as? Int)
                }
                let good = try await create("peer", "PEER", port)
                let closed = try await create("closed", "PEER", try await Self.freePort())
                let ok = try await client.send(.post, "/api/v1/destinations/\(good)/echo", headers: app.auth(.operator))
                #expect(ok.status == .ok)
                #expect(ok.object["success"] as? Bool == true, "\(ok.text)")
                #expect(ok.object["status"] as? String == "0000")
                let refused = try await client.send(.post, "/api/v1/destinations/\(closed)/echo", headers: app.auth(.operator))
                #expect(refused.object["success"] as? Bool == false)
                #expect(refused.object["error"] is String)
                #expect(try await client.send(.post, "/api/v1/destinations/\(good)/echo", headers: app.auth(.viewer)).status == .forbidden)
            }
            let events = try await app.services.auditQuery.list(AuditFilter(action: AuditAction.destinationEchoed), limit: 5)
            #expect(events.map(\.outcome) == ["failure", "success"])
        }
    }
}
