/// A value representation (PS3.5 §6.2), stored as its two ASCII characters.
///
/// Every VR of PS3.5 is a static member (`VR.PN`); unknown codes read from explicit-VR data
/// are kept as they are so that they can be reported, and are treated like `UN`.
public struct VR: Hashable, Sendable, CustomStringConvertible {
    /// The two ASCII characters, first one in the high byte.
    public let code: UInt16

    /// Creates a VR from its two ASCII bytes.
    public init(_ first: UInt8, _ second: UInt8) {
        self.code = UInt16(first) << 8 | UInt16(second)
    }

    /// Creates a VR from a two-character string such as `"PN"`; nil for anything else.
    public init?(_ string: String) {
        let bytes = Array(string.utf8)
        guard bytes.count == 2 else { return nil }
        self.init(bytes[0], bytes[1])
    }

    /// The VR's two characters (non-letters shown as `?`).
    public var description: String {
        let a = UInt8(truncatingIfNeeded: code >> 8)
        let b = UInt8(truncatingIfNeeded: code)
        func ch(_ c: UInt8) -> Character { (0x41...0x5A).contains(c) ? Character(UnicodeScalar(c)) : "?" }
        return String([ch(a), ch(b)])
    }

    /// The two bytes as written in explicit-VR encodings.
    public var bytes: (UInt8, UInt8) {
        (UInt8(truncatingIfNeeded: code >> 8), UInt8(truncatingIfNeeded: code))
    }

    public static let AE = VR(0x41, 0x45)
    public static let AS = VR(0x41, 0x53)
    public static let AT = VR(0x41, 0x54)
    public static let CS = VR(0x43, 0x53)
    public static let DA = VR(0x44, 0x41)
    public static let DS = VR(0x44, 0x53)
    public static let DT = VR(0x44, 0x54)
    public static let FD = VR(0x46, 0x44)
    public static let FL = VR(0x46, 0x4C)
    public static let IS = VR(0x49, 0x53)
    public static let LO = VR(0x4C, 0x4F)
    public static let LT = VR(0x4C, 0x54)
    public static let OB = VR(0x4F, 0x42)
    public static let OD = VR(0x4F, 0x44)
    public static let OF = VR(0x4F, 0x46)
    public static let OL = VR(0x4F, 0x4C)
    public static let OV = VR(0x4F, 0x56)
    public static let OW = VR(0x4F, 0x57)
    public static let PN = VR(0x50, 0x4E)
    public static let SH = VR(0x53, 0x48)
    public static let SL = VR(0x53, 0x4C)
    public static let SQ = VR(0x53, 0x51)
    public static let SS = VR(0x53, 0x53)
    public static let ST = VR(0x53, 0x54)
    public static let SV = VR(0x53, 0x56)
    public static let TM = VR(0x54, 0x4D)
    public static let UC = VR(0x55, 0x43)
    public static let UI = VR(0x55, 0x49)
    public static let UL = VR(0x55, 0x4C)
    public static let UN = VR(0x55, 0x4E)
    public static let UR = VR(0x55, 0x52)
    public static let US = VR(0x55, 0x53)
    public static let UT = VR(0x55, 0x54)
    public static let UV = VR(0x55, 0x56)

    /// Every VR defined by PS3.5.
    public static let all: [VR] = [
        .AE, .AS, .AT, .CS, .DA, .DS, .DT, .FD, .FL, .IS, .LO, .LT, .OB, .OD, .OF, .OL, .OV,
        .OW, .PN, .SH, .SL, .SQ, .SS, .ST, .SV, .TM, .UC, .UI, .UL, .UN, .UR, .US, .UT, .UV,
    ]

    /// Whether PS3.5 defines this VR.
    public var isKnown: Bool { VR.all.contains(self) }

    /// Whether explicit-VR encodings give this VR two reserved bytes and a 32-bit length
    /// (PS3.5 §7.1.2); unknown VRs are read like `UN`.
    public var hasLongLength: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .SQ, .SV, .UC, .UN, .UR, .UT, .UV: return true
        default: return !isKnown
        }
    }

    /// Whether values are character strings (padded with a space, or NUL for UI).
    public var isString: Bool {
        switch self {
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .LT, .PN, .SH, .ST, .TM, .UC, .UI, .UR, .UT:
            return true
        default: return false
        }
    }

    /// Whether string values are decoded with the Specific Character Set (PS3.5 §6.1.2.3).
    public var usesSpecificCharacterSet: Bool {
        switch self {
        case .LO, .LT, .PN, .SH, .ST, .UC, .UT: return true
        default: return false
        }
    }

    /// Whether the value is a list of backslash-separated strings (text VRs with VM > 1).
    public var allowsMultipleStringValues: Bool {
        isString && self != .LT && self != .ST && self != .UT && self != .UR
    }

    /// The byte size of one binary number for the numeric VRs, nil otherwise.
    public var numericWidth: Int? {
        switch self {
        case .US, .SS, .OW: return 2
        case .UL, .SL, .FL, .OF, .OL, .AT: return 4
        case .FD, .OD, .SV, .UV, .OV: return 8
        default: return nil
        }
    }

    /// The byte that pads odd-length values to even length.
    public var paddingByte: UInt8 {
        if self == .UI { return 0 }
        return isString ? 0x20 : 0
    }
}
