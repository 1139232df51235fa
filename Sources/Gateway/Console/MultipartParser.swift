import Foundation
import HTTPTypes

/// A small `multipart/form-data` parser (RFC 7578) for the console's uploads: the whole body
/// is in memory (already capped by the caller), parts are split on the boundary, and only
/// the `name` and `filename` of `Content-Disposition` are read.
struct MultipartParser {
    /// One part.
    struct Part: Sendable {
        let name: String
        let filename: String?
        let body: [UInt8]
    }

    let boundary: [UInt8]
    let maxParts: Int

    init(boundary: String, maxParts: Int) {
        self.boundary = Array("--\(boundary)".utf8)
        self.maxParts = maxParts
    }

    /// The boundary parameter of a `multipart/form-data` content type (at most 70 characters).
    static func boundary(from contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    /// The parts of `body`.
    /// - Throws: ``ConsoleError`` (400) when the body is not well-formed.
    func parse(_ body: [UInt8]) throws -> [Part] {
        let malformed = ConsoleError(.badRequest, "The upload is not well-formed multipart data.")
        guard var position = find(boundary, in: body, from: 0) else { throw malformed }
        var parts: [Part] = []
        while true {
            position += boundary.count
            // "--" after a boundary ends the body.
            if position + 1 < body.count, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-") {
                return parts
            }
            guard position + 1 < body.count, body[position] == 13, body[position + 1] == 10 else { throw malformed }
            position += 2
            guard let headerEnd = find([13, 10, 13, 10], in: body, from: position) else { throw malformed }
            let headers = String(decoding: body[position..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = find([13, 10] + boundary, in: body, from: contentStart) else { throw malformed }
            guard parts.count < maxParts else { throw ConsoleError(.badRequest, "The form has too many fields.") }
            if let (name, filename) = Self.disposition(headers) {
                parts.append(Part(name: name, filename: filename, body: Array(body[contentStart..<next])))
            }
            position = next + 2
        }
    }

    /// `name` and `filename` from the part's `Content-Disposition: form-data; …` header.
    static func disposition(_ headers: String) -> (String, String?)? {
        for line in headers.split(separator: "\r\n") {
            let header = line.split(separator: ":", maxSplits: 1)
            guard header.count == 2, header[0].lowercased() == "content-disposition" else { continue }
            var name: String?
            var filename: String?
            for item in header[1].split(separator: ";") {
                let pair = item.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                var value = pair[1].trimmingCharacters(in: .whitespaces)
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                switch pair[0].trimmingCharacters(in: .whitespaces).lowercased() {
                case "name": name = value
                case "filename": filename = value
                default: break
                }
            }
            return name.map { ($0, filename) }
        }
        return nil
    }

    func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
