/// Rules for DICOM unique identifiers (PS3.5 §9.1).
public enum UID {
    /// The longest UID PS3.5 allows.
    public static let maxLength = 64

    /// Whether `uid` is a valid UID: 1 to 64 characters, only digits and dots, no empty
    /// component, no component with a leading zero except "0" itself.
    ///
    /// Strict on purpose: storage paths are built from UIDs only after this check, so
    /// anything else (padding, spaces, signs, "..", a leading or trailing dot) is rejected.
    /// Strip the value's trailing NUL padding before calling (`trimmingPadding(_:)`).
    public static func isValid(_ uid: String) -> Bool {
        isValid(uid.utf8)
    }

    /// Byte form of `isValid(_:)`, for values straight from the wire.
    public static func isValid(_ bytes: some Collection<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= maxLength else { return false }
        var componentLength = 0
        var componentStartsWithZero = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "."):
                if componentLength == 0 { return false }
                componentLength = 0
                componentStartsWithZero = false
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if componentLength == 0 {
                    componentStartsWithZero = byte == UInt8(ascii: "0")
                } else if componentStartsWithZero {
                    return false
                }
                componentLength += 1
            default:
                return false
            }
        }
        return componentLength > 0
    }

    /// `value` without the trailing NUL (or space, which some writers use) padding.
    public static func trimmingPadding(_ value: String) -> String {
        var scalars = Substring(value)
        while let last = scalars.last, last == "\0" || last == " " {
            scalars.removeLast()
        }
        return String(scalars)
    }
}
