import Foundation

/// Turns the server's per-process association counter into a UUID unique across processes
/// and restarts: eight random bytes chosen at start-up, then the counter.
enum AssociationIdentity {
    private static let processPrefix: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        return withUnsafeBytes(of: value) { ($0[0], $0[1], $0[2], $0[3], $0[4], $0[5], $0[6], $0[7]) }
    }()

    static func uuid(for id: UInt64) -> UUID {
        let p = processPrefix
        let c = withUnsafeBytes(of: id.bigEndian) { Array($0) }
        // Version 8 (custom) with the RFC 9562 variant bits.
        return UUID(uuid: (
            p.0, p.1, p.2, p.3, p.4, p.5, (p.6 & 0x0F) | 0x80, p.7,
            (c[0] & 0x3F) | 0x80, c[1], c[2], c[3], c[4], c[5], c[6], c[7]
        ))
    }
}
