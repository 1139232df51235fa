/// Reads the generated dictionary tables in place: fixed-width hex fields and text runs in
/// `StaticString`s (which compile in no time, unlike thousands-long array literals).
enum PackedTable {
    /// The unsigned number in `width` upper-case hex digits at entry `index` of `table`
    /// (entries `stride` characters apart, the field `at` characters into each).
    static func hex(_ table: StaticString, index: Int, stride: Int, at: Int = 0, width: Int) -> UInt32 {
        let start = index * stride + at
        return table.withUTF8Buffer { buffer in
            var value: UInt32 = 0
            for i in start..<start + width {
                let c = buffer[i]
                let digit = c <= UInt8(ascii: "9") ? c &- UInt8(ascii: "0") : c &- UInt8(ascii: "A") &+ 10
                value = value << 4 | UInt32(digit)
            }
            return value
        }
    }

    /// String `index` of a text run: its bytes lie between offsets `index` and `index + 1`
    /// of `offsets` (6 hex digits each).
    static func string(_ text: StaticString, _ offsets: StaticString, _ index: Int) -> String {
        let start = Int(hex(offsets, index: index, stride: 6, width: 6))
        let end = Int(hex(offsets, index: index + 1, stride: 6, width: 6))
        return text.withUTF8Buffer { buffer in
            String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<end]), as: UTF8.self)
        }
    }

    /// Number of strings in a text run with these offsets.
    static func count(_ offsets: StaticString) -> Int {
        offsets.utf8CodeUnitCount / 6 - 1
    }
}
