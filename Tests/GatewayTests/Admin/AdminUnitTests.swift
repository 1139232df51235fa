import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresClient
import Testing

@Suite("Admin building blocks as plain values")
struct AdminUnitTests {
    @Test("roles are ordered")
    func roles() {
        #expect(Role.admin.includes(.operator) && Role.operator.includes(.viewer))
        #expect(!Role.viewer.includes(.operator) && !Role.operator.includes(.admin))
        #expect(Role(name: "root") == nil)
        #expect(Role(name: "operator") == .operator)
    }

    static let fields = AuditChainFields(
        id: 7, occurredAtMicros: 1_700_000_000_000_000, actorType: "user", actor: "alice", actorAddress: "127.0.0.1/32",
        action: "user.login", objectType: "user", objectID: "alice", outcome: "success", details: "{}")

    @Test("the canonical encoding is deterministic and separates fields")
    func canonicalEncoding() {
        let a = AuditCanonicalEncoding.encode(Self.fields, chainSeq: 1)
        #expect(a == AuditCanonicalEncoding.encode(Self.fields, chainSeq: 1))
        #expect(a != AuditCanonicalEncoding.encode(Self.fields, chainSeq: 2))
        // Moving a character between adjacent fields changes the encoding.
        var shifted = Self.fields
        shifted.actor = "alic"
        shifted.actorAddress = "e127.0.0.1/32"
        #expect(AuditCanonicalEncoding.encode(shifted, chainSeq: 1) != a)
        // NULL differs from the empty string.
        var empty = Self.fields
        empty.objectType = ""
        var null = Self.fields
        null.objectType = nil
        #expect(AuditCanonicalEncoding.encode(empty, chainSeq: 1) != AuditCanonicalEncoding.encode(null, chainSeq: 1))
        let hash = AuditCanonicalEncoding.hash(Self.fields, chainSeq: 1, prevHash: AuditCanonicalEncoding.genesisHash)
        #expect(hash.count == 32)
        #expect(hash != AuditCanonicalEncoding.hash(Self.fields, chainSeq: 1, prevHash: hash))
    }

    @Test("secrets are random, URL-safe, and hashed with SHA-256")
    func secrets() {
        let a = SecretGenerator.apiToken()
        let b = SecretGenerator.apiToken()
        #expect(a != b)
        #expect(a.hasPrefix("dgw_") && a.count == 4 + 43)
        #expect(a.allSatisfy { $0.isLetter || $0.isNumber || "_-".contains($0) })
        #expect(SecretGenerator.hash(a).count == 32)
        #expect(SecretGenerator.password().count == 20)
    }

    @Test("password policy")
    func passwordPolicy() {
        #expect(PasswordHasher.policyViolation("short") != nil)
        #expect(PasswordHasher.policyViolation(String(repeating: "x", count: 73)) != nil)
        #expect(PasswordHasher.policyViolation("long enough pass") == nil)
    }

    @Test("bcrypt hashes verify, at the configured cost, off the cooperative pool")
    func bcrypt() async throws {
        let hasher = PasswordHasher(cost: 4)
        let hash = try await hasher.hash("correct horse battery")
        #expect(hash.hasPrefix("$2b$04$") || hash.hasPrefix("$2a$04$") || hash.hasPrefix("$2y$04$"))
        #expect(try await hasher.verify("correct horse battery", hash: hash))
        #expect(try await !hasher.verify("wrong horse battery", hash: hash))
        // bcrypt reads 72 bytes; longer input must not verify against its prefix's hash.
        let long = String(repeating: "a", count: 72)
        let longHash = try await hasher.hash(long)
        #expect(try await !hasher.verify(long + "b", hash: longHash))
    }

    @Test("usernames follow the table's CHECK")
    func usernames() {
        #expect(UserRecord.isValidUsername("alice.o-k_1@site"))
        #expect(!UserRecord.isValidUsername(".alice"))
        #expect(!UserRecord.isValidUsername("a b"))
        #expect(!UserRecord.isValidUsername(String(repeating: "a", count: 65)))
        #expect(!UserRecord.isValidUsername(""))
    }

    @Test("listen addresses parse")
    func listenAddress() throws {
        var configuration = AdminServer.Configuration()
        #expect(configuration.host == "127.0.0.1" && configuration.port == 8080)
        try configuration.setListenAddress("[::1]:9090")
        #expect(configuration.host == "::1" && configuration.port == 9090)
        try configuration.setListenAddress("0.0.0.0:0")
        #expect(configuration.host == "0.0.0.0" && configuration.port == 0)
        #expect(throws: ResourceError.self) { try configuration.setListenAddress("localhost") }
        #expect(throws: ResourceError.self) { try configuration.setListenAddress("localhost:99999") }
    }

    @Test("route templates map to router paths")
    func routePaths() {
        let route = AdminRoute(method: .delete, path: "/api/v1/auth/tokens/{id}", access: .role(.viewer))
        #expect(route.isMutating)
        #expect(AdminRoute(method: .get, path: "/x", access: .anonymous).isMutating == false)
    }
}
