/// Turning value bytes into Swift values.
public enum ValueDecoding {
    /// The string value of `bytes` for a string VR: decoded with `characterSet` for the
    /// text VRs, as ASCII otherwise, trailing padding (spaces, NULs) removed.
    public static func string(_ bytes: [UInt8], vr: VR, characterSet: SpecificCharacterSet = .default) -> String {
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[end - 1] == 0x20 || bytes[end - 1] == 0 {
            end -= 1
        }
        let trimmed = bytes[bytes.startIndex..<end]
        if vr.usesSpecificCharacterSet {
            return characterSet.decode(trimmed)
        }
        return SpecificCharacterSet.default.decode(trimmed)
    }

    /// The backslash-separated values of a string element, each trimmed of padding.
    public static func strings(_ bytes: [UInt8], vr: VR, characterSet: SpecificCharacterSet = .default) -> [String] {
        let text = string(bytes, vr: vr, characterSet: characterSet)
        if !vr.allowsMultipleStringValues { return [text] }
        return text.split(separator: "\\", omittingEmptySubsequences: false).map(String.init)
    }

    /// Little-endian unsigned integers of `width` bytes (2, 4 or 8) in `bytes`.
    public static func unsigned(_ bytes: [UInt8], width: Int) -> [UInt64] {
        guard width > 0 else { return [] }
        var values: [UInt64] = []
        values.reserveCapacity(bytes.count / width)
        var i = bytes.startIndex
        while i + width <= bytes.endIndex {
            var value: UInt64 = 0
            for k in (0..<width).reversed() {
                value = value << 8 | UInt64(bytes[i + k])
            }
            values.append(value)
            i += width
        }
        return values
    }

    /// Reverses the byte order of each `width`-byte number in place (big ↔ little endian).
    public static func swapBytes(_ bytes: inout [UInt8], width: Int) {
        guard width > 1 else { return }
        var i = 0
        while i + width <= bytes.count {
            bytes[i..<i + width].reverse()
            i += width
        }
    }

    /// The width to swap for `vr` when converting between byte orders (AT swaps its two
    /// 16-bit halves separately), nil for byte data.
    public static func swapWidth(for vr: VR) -> Int? {
        if vr == .AT { return 2 }
        return vr.numericWidth
    }
}
