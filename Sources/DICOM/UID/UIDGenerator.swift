public import Foundation

/// Makes new UIDs under a root.
///
/// With the default root "2.25", each UID is "2.25." followed by a random UUID as a decimal
/// number (PS3.5 §B.2). With an organisation root, the suffix is the decimal UUID cut to
/// fit in 64 characters (still 100+ random bits for roots up to ~30 characters).
public struct UIDGenerator: Sendable {
    /// The root under which UIDs are made, without trailing dot.
    public let root: String

    /// Creates a generator; fails if `root` is not a valid UID or leaves fewer than
    /// 20 characters for the suffix.
    public init(root: String = "2.25") throws(DICOMError) {
        guard UID.isValid(root), root.utf8.count <= UID.maxLength - 21 else {
            throw DICOMError(.invalidValue, "UID root '\(root)' is not a valid UID with room for a suffix")
        }
        self.root = root
    }

    /// A new UID under the root.
    public func make() -> String {
        let suffix = UIDGenerator.decimal(of: UUID())
        let room = UID.maxLength - root.utf8.count - 1
        // A decimal number has no leading zero, so its prefix is a valid component too.
        return root + "." + String(suffix.prefix(room))
    }

    /// The 128 bits of `uuid` as an unsigned decimal number.
    public static func decimal(of uuid: Foundation.UUID) -> String {
        let b = uuid.uuid
        let bytes = [b.0, b.1, b.2, b.3, b.4, b.5, b.6, b.7, b.8, b.9, b.10, b.11, b.12, b.13, b.14, b.15]
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<8 { high = high << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { low = low << 8 | UInt64(bytes[i]) }
        return decimal(high: high, low: low)
    }

    /// A 128-bit number as decimal, by repeated division by 10^19.
    static func decimal(high: UInt64, low: UInt64) -> String {
        if high == 0 { return String(low) }
        var words = [UInt32(high >> 32), UInt32(high & 0xFFFF_FFFF), UInt32(low >> 32), UInt32(low & 0xFFFF_FFFF)]
        var chunks: [UInt64] = []
        let divisor: UInt64 = 1_000_000_000
        while words.contains(where: { $0 != 0 }) {
            var remainder: UInt64 = 0
            for i in words.indices {
                let value = remainder << 32 | UInt64(words[i])
                words[i] = UInt32(value / divisor)
                remainder = value % divisor
            }
            chunks.append(remainder)
        }
        var result = String(chunks.last ?? 0)
        for chunk in chunks.dropLast().reversed() {
            let digits = String(chunk)
            result += String(repeating: "0", count: 9 - digits.count) + digits
        }
        return result
    }
}

extension UID {
    /// dicom-gw's Implementation Class UID (PS3.7 D.3.3.2), a fixed UID under 2.25 derived
    /// from the UUID 6f2b1c7e-4a55-4d1e-9c3b-8e0d2a4f7b91.
    public static let implementationClassUID = "2.25.147768154210265052132753831963038546833"

    /// dicom-gw's Implementation Version Name (at most 16 characters).
    public static let implementationVersionName = "DICOM_GW_010"
}
