/// Reads PostgreSQL's binary `numeric` (base-10000 digits) as text or as a Double.
///
/// Aggregates such as `sum(bigint)` return numeric, so reports need at least this much.
enum PostgresNumeric {
    private static let maxDigits = 10_000  // caps work on hostile input; numeric allows 1000+16383 digits

    static func string(from bytes: UnsafeRawBufferPointer) throws -> String {
        guard bytes.count >= 8 else { throw PostgresDecodingFailure("numeric value has \(bytes.count) bytes") }
        let ndigits = Int(bytes.bigEndian(Int16.self, at: 0))
        let weight = Int(bytes.bigEndian(Int16.self, at: 2))
        let sign = bytes.bigEndian(UInt16.self, at: 4)
        let dscale = Int(bytes.bigEndian(Int16.self, at: 6))
        switch sign {
        case 0xC000: return "NaN"
        case 0xD000: return "Infinity"
        case 0xF000: return "-Infinity"
        case 0x0000, 0x4000: break
        default: throw PostgresDecodingFailure("numeric has unknown sign \(sign)")
        }
        guard ndigits >= 0, ndigits <= maxDigits, dscale >= 0, dscale <= maxDigits,
            bytes.count == 8 + 2 * ndigits, abs(weight) <= maxDigits
        else { throw PostgresDecodingFailure("malformed numeric value") }
        func digit(_ i: Int) -> Int {
            i >= 0 && i < ndigits ? Int(bytes.bigEndian(Int16.self, at: 8 + 2 * i)) : 0
        }
        var text = sign == 0x4000 ? "-" : ""
        if weight < 0 {
            text += "0"
        } else {
            for i in 0...weight {
                let d = digit(i)
                if i == 0 {
                    text += String(d)
                } else {
                    let s = String(d)
                    text += String(repeating: "0", count: 4 - s.count) + s
                }
            }
        }
        if dscale > 0 {
            var fraction = ""
            var i = weight + 1
            while fraction.count < dscale {
                let s = String(digit(i))
                fraction += String(repeating: "0", count: 4 - s.count) + s
                i += 1
            }
            text += "." + fraction.prefix(dscale)
        }
        return text
    }

    static func double(from bytes: UnsafeRawBufferPointer) throws -> Double {
        let text = try string(from: bytes)
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard let value = Double(text) else { throw PostgresDecodingFailure("numeric \(text) is not a Double") }
            return value
        }
    }
}
