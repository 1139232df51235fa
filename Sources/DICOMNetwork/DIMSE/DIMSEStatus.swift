/// A DIMSE status (0000,0900) (PS3.7 Annex C, PS3.4 Annex B for C-STORE).
public struct DIMSEStatus: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    /// The value on the wire.
    public var rawValue: UInt16
    /// Creates a status from its wire value.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// 0000: success.
    public static let success = DIMSEStatus(rawValue: 0x0000)
    /// B000: coercion of data elements (warning).
    public static let coercionOfDataElements = DIMSEStatus(rawValue: 0xB000)
    /// B006: elements discarded (warning).
    public static let elementsDiscarded = DIMSEStatus(rawValue: 0xB006)
    /// B007: data set does not match SOP class (warning).
    public static let dataSetDoesNotMatchSOPClassWarning = DIMSEStatus(rawValue: 0xB007)
    /// A700: refused, out of resources.
    public static let outOfResources = DIMSEStatus(rawValue: 0xA700)
    /// A900: error, data set does not match SOP class.
    public static let dataSetDoesNotMatchSOPClass = DIMSEStatus(rawValue: 0xA900)
    /// C000: error, cannot understand.
    public static let cannotUnderstand = DIMSEStatus(rawValue: 0xC000)
    /// 0117: invalid SOP instance.
    public static let invalidSOPInstance = DIMSEStatus(rawValue: 0x0117)
    /// 0122: refused, SOP class not supported.
    public static let sopClassNotSupported = DIMSEStatus(rawValue: 0x0122)
    /// 0124: refused, not authorized.
    public static let notAuthorized = DIMSEStatus(rawValue: 0x0124)
    /// 0210: duplicate invocation.
    public static let duplicateInvocation = DIMSEStatus(rawValue: 0x0210)
    /// 0211: unrecognized operation.
    public static let unrecognizedOperation = DIMSEStatus(rawValue: 0x0211)
    /// 0212: mistyped argument.
    public static let mistypedArgument = DIMSEStatus(rawValue: 0x0212)
    /// FE00: cancel.
    public static let cancel = DIMSEStatus(rawValue: 0xFE00)

    /// Broad class of a status.
    public enum Category: Sendable, Hashable {
        /// 0000.
        case success
        /// 0001, Bxxx, 0107, 0116.
        case warning
        /// FF00/FF01.
        case pending
        /// FE00.
        case cancel
        /// Everything else.
        case failure
    }

    /// The broad class of this status.
    public var category: Category {
        switch self.rawValue {
        case 0x0000: .success
        case 0x0001, 0x0107, 0x0116, 0xB000...0xBFFF: .warning
        case 0xFF00, 0xFF01: .pending
        case 0xFE00: .cancel
        default: .failure
        }
    }

    /// The status as four hex digits, e.g. `A700`.
    public var description: String {
        let hex = String(self.rawValue, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
