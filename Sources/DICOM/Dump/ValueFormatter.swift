/// Renders values as text for listings (dcmdump style) and the JSON model.
public enum ValueFormatter {
    /// The value as text: strings decoded and unpadded, numbers in decimal joined by `\`,
    /// tags as `(gggg,eeee)`, byte data as two-digit hex (16-bit words for OW) joined by `\`.
    /// `bytes` must be little endian.
    public static func text(_ bytes: [UInt8], vr: VR, characterSet: SpecificCharacterSet = .default) -> String {
        if vr.isString {
            return ValueDecoding.string(bytes, vr: vr, characterSet: characterSet)
        }
        switch vr {
        case .US, .UL, .UV:
            return ValueDecoding.unsigned(bytes, width: vr.numericWidth ?? 1).map { String($0) }.joined(separator: "\\")
        case .SS:
            return ValueDecoding.unsigned(bytes, width: 2).map { String(Int16(truncatingIfNeeded: $0)) }.joined(separator: "\\")
        case .SL:
            return ValueDecoding.unsigned(bytes, width: 4).map { String(Int32(truncatingIfNeeded: $0)) }.joined(separator: "\\")
        case .SV:
            return ValueDecoding.unsigned(bytes, width: 8).map { String(Int64(bitPattern: $0)) }.joined(separator: "\\")
        case .FL:
            return ValueDecoding.unsigned(bytes, width: 4).map { String(Float(bitPattern: UInt32(truncatingIfNeeded: $0))) }.joined(separator: "\\")
        case .FD:
            return ValueDecoding.unsigned(bytes, width: 8).map { String(Double(bitPattern: $0)) }.joined(separator: "\\")
        case .AT:
            let words = ValueDecoding.unsigned(bytes, width: 2)
            return stride(from: 0, to: words.count - 1, by: 2).map { i in
                Tag(group: UInt16(words[i]), element: UInt16(words[i + 1])).description
            }.joined(separator: "\\")
        case .OW:
            return ValueDecoding.unsigned(bytes, width: 2).map { hex($0, digits: 4) }.joined(separator: "\\")
        default:
            return bytes.map { hex(UInt64($0), digits: 2) }.joined(separator: "\\")
        }
    }

    static func hex(_ value: UInt64, digits: Int) -> String {
        let s = String(value, radix: 16)
        return s.count >= digits ? s : String(repeating: "0", count: digits - s.count) + s
    }
}
