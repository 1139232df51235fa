import Foundation

@testable import DICOM

/// One line of `dcmdump +L -Un +U8` output, parsed.
struct DCMDumpLine: CustomStringConvertible {
    var depth: Int
    var tag: Tag
    var vr: String
    /// nil for "u/l".
    var length: UInt32?
    /// The printed value: string contents without brackets, "" for no value, nil for
    /// structural lines and values not printed.
    var value: String?
    var isMeta: Bool

    var description: String { "\(String(repeating: "  ", count: depth))\(tag) \(vr) #\(length.map(String.init) ?? "u/l") \(value ?? "-")" }

    /// Parses dcmdump's listing, skipping delimiters (the parser reports them as ends).
    static func parse(_ output: String) -> [DCMDumpLine] {
        var lines: [DCMDumpLine] = []
        var isMeta = false
        // Values holding CR or LF are printed raw, so one element can span several lines:
        // join lines until the "# length, vm Name" trailer.
        let trailer = /\ #\s*(u\/l|\d+),\s*\d+ \S.*$/
        var logical: [String] = []
        var partial: String?
        for raw in output.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if let current = partial {
                let joined = current + "\n" + line
                if line.contains(trailer) {
                    logical.append(joined)
                    partial = nil
                } else {
                    partial = joined
                }
            } else if line.drop(while: { $0 == " " }).hasPrefix("(") && !line.contains(trailer) {
                partial = line
            } else {
                logical.append(line)
            }
        }
        for line in logical {
            if line.hasPrefix("# Dicom-Meta-Information-Header") { isMeta = true }
            if line.hasPrefix("# Dicom-Data-Set") { isMeta = false }
            let trimmed = line.drop { $0 == " " }
            guard trimmed.hasPrefix("("), let hash = line.range(of: " #", options: .backwards) else { continue }
            let indent = line.count - trimmed.count
            let body = String(line[line.index(line.startIndex, offsetBy: indent)..<hash.lowerBound])
            let tail = line[hash.upperBound...].trimmingCharacters(in: .whitespaces)
            guard let tagValue = UInt32(body.dropFirst().prefix(4) + body.dropFirst(6).prefix(4), radix: 16) else { continue }
            let tag = Tag(tagValue)
            if tag == .itemDelimitationItem || tag == .sequenceDelimitationItem { continue }
            let vr = String(body.dropFirst(12).prefix(2))
            var value = String(body.dropFirst(15))
            while value.hasSuffix(" ") { value.removeLast() }
            let lengthText = tail.split(separator: ",").first.map(String.init) ?? ""
            var parsedValue: String?
            if value.hasPrefix("[") && value.hasSuffix("]") {
                parsedValue = String(value.dropFirst().dropLast())
            } else if value == "(no value available)" {
                parsedValue = ""
            } else if value.hasPrefix("(") {
                parsedValue = nil
            } else {
                parsedValue = value
            }
            lines.append(DCMDumpLine(
                depth: indent / 2, tag: tag, vr: vr, length: UInt32(lengthText), value: parsedValue, isMeta: isMeta))
        }
        return lines
    }
}
