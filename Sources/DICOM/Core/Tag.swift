/// A data element tag: a (group, element) pair, ordered as DICOM orders elements.
///
/// Standard tags are static members generated from PS3.6 (`Tag.patientName`).
public struct Tag: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The tag as one 32-bit number, group in the high half.
    public let rawValue: UInt32

    /// Creates a tag from its 32-bit form (`0x0010_0010`).
    public init(_ rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Creates a tag from its group and element numbers.
    public init(group: UInt16, element: UInt16) {
        self.rawValue = UInt32(group) << 16 | UInt32(element)
    }

    /// The group number.
    public var group: UInt16 { UInt16(truncatingIfNeeded: rawValue >> 16) }

    /// The element number.
    public var element: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    /// Whether the tag belongs to a private (odd) group.
    public var isPrivate: Bool { group & 1 == 1 && group > 0x0008 }

    /// Whether the tag is a private creator element (gggg,0010-00FF) of a private group.
    public var isPrivateCreator: Bool { isPrivate && element >= 0x0010 && element <= 0x00FF }

    /// Whether the tag is a group length element (gggg,0000).
    public var isGroupLength: Bool { element == 0x0000 }

    /// Whether the tag is one of the item and delimitation tags of group FFFE.
    public var isDelimiter: Bool { group == 0xFFFE }

    /// "(gggg,eeee)" in upper-case hex, as DICOM writes tags.
    public var description: String {
        "(" + Tag.hex(group) + "," + Tag.hex(element) + ")"
    }

    /// Comparison in encoding order (group, then element).
    public static func < (lhs: Tag, rhs: Tag) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    static func hex(_ value: UInt16) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
