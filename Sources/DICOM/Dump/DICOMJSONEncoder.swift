/// Encodes data sets in the DICOM JSON Model (PS3.18 Annex F).
///
/// Keys are the 8 hex digit tags in upper case; strings are split into values; PN values
/// become `{"Alphabetic", "Ideographic", "Phonetic"}` objects; DS, IS and the binary numbers
/// become JSON numbers; OB/OW/UN and the other byte VRs `InlineBinary` (base64). Values that
/// were not loaded and encapsulated pixel data carry only their VR.
public enum DICOMJSONEncoder {
    /// The JSON object for `dataSet` (one line, keys in tag order).
    public static func encode(_ dataSet: DataSet, characterSet: SpecificCharacterSet? = nil) -> String {
        let charset = characterSet ?? dataSet.specificCharacterSet
        var parts: [String] = []
        // Group lengths are not part of the model (PS3.18 F.2.1, as dcm2json does).
        for element in dataSet.elements.sorted(by: { $0.tag < $1.tag }) where !element.tag.isGroupLength {
            let key = "\"" + hex8(element.tag.rawValue) + "\""
            parts.append(key + ":" + encode(element, characterSet: charset))
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    private static func encode(_ element: DataElement, characterSet: SpecificCharacterSet) -> String {
        let vr = element.isSequence ? "SQ" : element.vr.description
        var fields = ["\"vr\":\"" + vr + "\""]
        switch element.value {
        case .sequence(let items):
            if !items.isEmpty {
                fields.append("\"Value\":[" + items.map { encode($0, characterSet: characterSet) }.joined(separator: ",") + "]")
            }
        case .bytes(let bytes):
            if let value = value(bytes, vr: element.vr, characterSet: characterSet) {
                fields.append(value)
            }
        case .fragments, .skipped:
            break
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    private static func value(_ bytes: [UInt8], vr: VR, characterSet: SpecificCharacterSet) -> String? {
        if bytes.isEmpty { return nil }
        if vr.isString {
            let strings = ValueDecoding.strings(bytes, vr: vr, characterSet: characterSet)
            if strings.count == 1 && strings[0].isEmpty { return nil }
            if vr == .PN && strings.allSatisfy({ $0.allSatisfy { $0 == "^" || $0 == "=" || $0 == " " } }) { return nil }
            let items: [String] = strings.map { raw in
                let text = vr == .UI ? UID.trimmingPadding(raw) : raw.trimmingSpaces(keepLeading: vr == .LT || vr == .ST || vr == .UT)
                if text.isEmpty { return "null" }
                switch vr {
                case .PN:
                    // A name of empty components ("^^^^") carries no name.
                    if text.allSatisfy({ $0 == "^" || $0 == "=" }) { return "null" }
                    let groups = text.split(separator: "=", omittingEmptySubsequences: false)
                    let names = ["Alphabetic", "Ideographic", "Phonetic"]
                    let members = zip(names, groups).compactMap { name, group in
                        group.isEmpty ? nil : "\"" + name + "\":" + quoted(String(group))
                    }
                    return "{" + members.joined(separator: ",") + "}"
                case .DS, .IS:
                    return number(text) ?? quoted(text)
                default:
                    return quoted(text)
                }
            }
            return "\"Value\":[" + items.joined(separator: ",") + "]"
        }
        switch vr {
        case .US, .UL, .UV, .SS, .SL, .SV, .FL, .FD:
            let text = ValueFormatter.text(bytes, vr: vr)
            let numbers = text.split(separator: "\\").map { number(String($0)) ?? "null" }
            return "\"Value\":[" + numbers.joined(separator: ",") + "]"
        case .AT:
            let words = ValueDecoding.unsigned(bytes, width: 2)
            let tags = stride(from: 0, to: words.count - 1, by: 2).map { i in
                "\"" + hex8(UInt32(words[i]) << 16 | UInt32(words[i + 1])) + "\""
            }
            return "\"Value\":[" + tags.joined(separator: ",") + "]"
        default:
            return "\"InlineBinary\":\"" + base64(bytes) + "\""
        }
    }

    /// `text` as a JSON number, nil if it is not a finite number.
    static func number(_ text: String) -> String? {
        var trimmed = text.trimmingSpaces(keepLeading: false)
        if trimmed.hasPrefix("+") { trimmed.removeFirst() }
        guard let value = Double(trimmed), value.isFinite else { return nil }
        if trimmed.wholeMatch(of: /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/) != nil {
            return trimmed
        }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func hex8(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [table[Int(n >> 18 & 63)], table[Int(n >> 12 & 63)], table[Int(n >> 6 & 63)], table[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [table[Int(n >> 18 & 63)], table[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [table[Int(n >> 18 & 63)], table[Int(n >> 12 & 63)], table[Int(n >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    /// The string without trailing spaces, and without leading ones unless `keepLeading`.
    func trimmingSpaces(keepLeading: Bool) -> String {
        var scalars = Substring(self)
        while scalars.last == " " { scalars.removeLast() }
        if !keepLeading {
            while scalars.first == " " { scalars.removeFirst() }
        }
        return String(scalars)
    }
}
