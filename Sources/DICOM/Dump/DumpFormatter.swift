/// Formats `DumpRecord`s as dcmdump-style text lines:
/// `(0010,0010) PN [Doe^John]                               #   8, 1 PatientName`.
public enum DumpFormatter {
    /// Byte values longer than this are shown cut, with "...".
    public static let maxBinaryBytesShown = 64

    /// The line for one record, indented two spaces per depth.
    public static func line(_ record: DumpRecord) -> String {
        let indent = String(repeating: "  ", count: record.depth)
        let tag = "(" + hex4(record.tag.group) + "," + hex4(record.tag.element) + ")"
        let undefined = record.length == ElementHeader.undefinedLength
        var vr = record.vr.description
        var value: String
        var vm = 1
        switch record.kind {
        case .sequence:
            vr = "SQ"
            value = undefined ? "(Sequence with undefined length)" : "(Sequence with explicit length)"
        case .item:
            vr = "na"
            value = undefined ? "(Item with undefined length)" : "(Item with explicit length)"
        case .fragments:
            value = "(PixelSequence)"
        case .fragment:
            vr = "pi"
            value = shown(record, binary: true)
        case .element:
            value = shown(record, binary: !record.vr.isString)
            vm = multiplicity(record)
        }
        let name = DataDictionary.entry(for: record.tag)?.keyword ?? (record.tag.isPrivateCreator ? "PrivateCreator" : "Unknown")
        let length = undefined ? "u/l" : String(record.length)
        let left = indent + tag + " " + vr + " " + value
        let padded = left.count < 56 ? left + String(repeating: " ", count: 56 - left.count) : left
        let lengthField = length.count < 3 ? String(repeating: " ", count: 3 - length.count) + length : length
        return padded + " # " + lengthField + ", " + String(vm) + " " + name
    }

    private static func shown(_ record: DumpRecord, binary: Bool) -> String {
        guard let value = record.value else {
            return record.length == 0 ? "(no value available)" : "(not loaded)"
        }
        if value.isEmpty { return "(no value available)" }
        if !binary { return "[" + value + "]" }
        let limit = maxBinaryBytesShown * 3
        return value.count > limit ? String(value.prefix(limit)) + "..." : value
    }

    private static func multiplicity(_ record: DumpRecord) -> Int {
        guard let value = record.value, !value.isEmpty else { return record.length == 0 ? 0 : 1 }
        if record.vr.isString {
            return record.vr.allowsMultipleStringValues ? value.split(separator: "\\", omittingEmptySubsequences: false).count : 1
        }
        if let width = record.vr.numericWidth, ![VR.OW, .OF, .OD, .OL, .OV].contains(record.vr) {
            return Int(record.length) / (record.vr == .AT ? 4 : width)
        }
        return 1
    }

    static func hex4(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
