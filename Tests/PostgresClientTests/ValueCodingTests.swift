import Foundation
@testable import PostgresClient
import Testing

/// Codecs as plain values, without a server.
@Suite("Value coding")
struct ValueCodingTests {
    private func decode<T: PostgresDecodable>(_: T.Type, _ type: PostgresDataType, _ bytes: [UInt8]?) throws -> T {
        guard let bytes else { return try T(postgresCell: PostgresCell(type: type, bytes: nil)) }
        return try bytes.withUnsafeBytes { try T(postgresCell: PostgresCell(type: type, bytes: $0)) }
    }

    private func encoded(_ value: some PostgresEncodable) throws -> [UInt8]? {
        var b = PostgresBindings()
        try value.encode(into: &b)
        return b.value(at: 0).map(Array.init)
    }

    @Test func integersAreBigEndian() throws {
        #expect(try encoded(Int32(0x0102_0304)) == [1, 2, 3, 4])
        #expect(try encoded(Int16(-2)) == [0xFF, 0xFE])
        #expect(try decode(Int64.self, .int8, [0, 0, 0, 0, 0, 0, 1, 0]) == 256)
        #expect(try decode(Int64.self, .int4, [0xFF, 0xFF, 0xFF, 0xFF]) == -1)
        #expect(throws: PostgresDecodingFailure.self) { try decode(Int64.self, .int8, [0, 1]) }
        #expect(throws: PostgresDecodingFailure.self) { try decode(Int64.self, .int8, nil) }
        #expect(try decode(Int64?.self, .int8, nil) == nil)
    }

    @Test func nullsBindAsNull() throws {
        #expect(try encoded(Int64?.none) == nil)
        var b = PostgresBindings()
        try Int64?.none.encode(into: &b)
        #expect(b.types == [PostgresDataType.int8.oid])
    }

    @Test func textIsTerminatedAndRefusesNUL() throws {
        var b = PostgresBindings()
        try "é".encode(into: &b)
        #expect(b.bytes == [0xC3, 0xA9, 0])  // libpq reads text parameters as C strings
        #expect(b.lengths == [2])
        #expect(throws: PostgresError.self) { try "a\u{0}".encode(into: &b) }
        #expect(b.count == 1)
    }

    @Test func hostileArrayHeadersAreRejectedBeforeAllocating() throws {
        // One dimension claiming two billion elements in 20 bytes.
        let header: [UInt8] = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 20, 0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1]
        #expect(throws: PostgresDecodingFailure.self) { try decode([Int64].self, .int8Array, header) }
        // An element length running past the end.
        let truncated: [UInt8] = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 8, 1]
        #expect(throws: PostgresDecodingFailure.self) { try decode([Int64].self, .int8Array, truncated) }
        // Two dimensions are not supported.
        let twoD: [UInt8] = [0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]
        #expect(throws: PostgresDecodingFailure.self) { try decode([Int64].self, .int8Array, twoD) }
    }

    @Test func arraysRoundTripWithoutAServer() throws {
        for value in [[], [Int64.min, 0, 7]] as [[Int64]] {
            let bytes = try #require(try encoded(value))
            #expect(try decode([Int64].self, .int8Array, bytes) == value)
        }
        let strings = ["", "ü", "a,b"]
        let bytes = try #require(try encoded(strings))
        #expect(try decode([String].self, .textArray, bytes) == strings)
        #expect(try encoded([UInt8]([1, 2])) == [1, 2])  // [UInt8] is bytea, not an array
    }

    @Test func numericText() throws {
        // 12345.678 = digits [1, 2345, 6780], weight 1, dscale 3.
        let bytes: [UInt8] = [0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1A, 0x7C]
        #expect(try decode(String.self, .numeric, bytes) == "12345.678")
        #expect(try decode(Double.self, .numeric, bytes) == 12345.678)
        let negativeSmall: [UInt8] = [0, 1, 0xFF, 0xFF, 0x40, 0, 0, 4, 0x13, 0x88]  // -0.5000
        #expect(try decode(String.self, .numeric, negativeSmall) == "-0.5000")
        #expect(throws: PostgresDecodingFailure.self) { try decode(String.self, .numeric, [0, 9, 0, 0, 0, 0, 0, 0]) }
    }

    @Test func timestampsCountMicrosecondsFrom2000() throws {
        #expect(try encoded(Date(timeIntervalSince1970: 946_684_800)) == [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(try decode(Date.self, .timestamptz, [0, 0, 0, 0, 0, 0, 0, 1]).timeIntervalSince1970 == 946_684_800.000001)
        #expect(try decode(Date.self, .timestamptz, [0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) == .distantFuture)
    }

    @Test func sha256MatchesKnownVectors() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func errorCodesMatch() {
        let e = PostgresError(code: .init(sqlState: "23505"), message: "dup")
        #expect(e.code == .uniqueViolation)
        #expect(e.code != .serializationFailure)
        #expect(!e.isConnectionError)
        #expect(PostgresError(code: .init(sqlState: "08006"), message: "").isConnectionError)
        #expect(PostgresError(code: .connectionLost, message: "").isConnectionError)
    }
}
