import Foundation

/// The character repertoire declared by Specific Character Set (0008,0005), used to decode
/// the text VRs (PN, LO, SH, LT, ST, UC, UT).
///
/// Supported: the default repertoire (ISO_IR 6), ISO_IR 100 (Latin-1), ISO_IR 101 (Latin-2),
/// ISO_IR 192 (UTF-8) and their ISO 2022 forms for the single-byte sets. Anything else
/// degrades: UTF-8 if the bytes are valid UTF-8, otherwise Latin-1, so an object is never
/// rejected for its text.
public struct SpecificCharacterSet: Hashable, Sendable, CustomStringConvertible {
    /// The defined terms as declared (first value first), trimmed.
    public let terms: [String]

    /// The default repertoire (no Specific Character Set).
    public static let `default` = SpecificCharacterSet(terms: [])
    /// ISO_IR 100, Latin alphabet No. 1.
    public static let latin1 = SpecificCharacterSet(terms: ["ISO_IR 100"])
    /// ISO_IR 192, Unicode in UTF-8.
    public static let utf8 = SpecificCharacterSet(terms: ["ISO_IR 192"])

    /// Creates a character set from its defined terms.
    public init(terms: [String]) {
        self.terms = terms
    }

    /// Parses the raw value of (0008,0005).
    public init(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        self.terms = text.split(separator: "\\", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \0")) }
    }

    /// Whether this library decodes every declared term exactly (else it degrades).
    public var isSupported: Bool {
        terms.allSatisfy { Self.encoding(for: $0) != nil }
    }

    public var description: String { terms.isEmpty ? "ISO_IR 6" : terms.joined(separator: "\\") }

    /// Decodes text bytes in this character set.
    public func decode(_ bytes: some Collection<UInt8>) -> String {
        let array = Array(bytes)
        if array.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: array, as: UTF8.self)
        }
        let first = terms.first { !$0.isEmpty } ?? ""
        if let encoding = Self.encoding(for: first), encoding != .ascii,
            let decoded = String(bytes: array, encoding: encoding)
        {
            return decoded
        }
        // Unknown set, or bytes outside the declared one: degrade without failing.
        if let utf8 = String(validating: array, as: UTF8.self) {
            return utf8
        }
        return String(array.map { Character(UnicodeScalar($0)) })
    }

    private static func encoding(for term: String) -> String.Encoding? {
        switch term {
        case "", "ISO_IR 6", "ISO 2022 IR 6": return .ascii
        case "ISO_IR 100", "ISO 2022 IR 100": return .isoLatin1
        case "ISO_IR 101", "ISO 2022 IR 101": return .isoLatin2
        case "ISO_IR 192": return .utf8
        default: return nil
        }
    }
}
