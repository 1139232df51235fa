import HTTPTypes
import Foundation
import Hummingbird
import NIOCore

/// A submitted console form: `application/x-www-form-urlencoded` fields, or
/// `multipart/form-data` fields and files. Sizes are capped before anything is kept.
struct ConsoleForm: Sendable {
    /// An uploaded file.
    struct File: Sendable {
        let filename: String
        let data: [UInt8]
    }

    /// The largest urlencoded body.
    static let maxURLEncodedBytes = 256 * 1024
    /// The most fields in one form.
    static let maxFields = 2_000

    private(set) var fields: [(name: String, value: String)] = []
    private(set) var files: [String: File] = [:]

    init(fields: [(name: String, value: String)], files: [String: File] = [:]) {
        self.fields = fields
        self.files = files
    }

    /// The first value of `name`, trimmed; nil when absent or empty.
    func value(_ name: String) -> String? {
        guard let value = fields.first(where: { $0.name == name })?.value.trimmingCharacters(in: .whitespacesAndNewlines),
            !value.isEmpty
        else { return nil }
        return value
    }

    /// The first value of `name` untrimmed (passwords, PEM text), nil when absent or empty.
    func raw(_ name: String) -> String? {
        guard let value = fields.first(where: { $0.name == name })?.value, !value.isEmpty else { return nil }
        return value
    }

    /// Every value of `name` (checkboxes).
    func values(_ name: String) -> [String] {
        fields.filter { $0.name == name }.map(\.value)
    }

    /// Whether a checkbox `name` was ticked.
    func checked(_ name: String) -> Bool { value(name) != nil }

    /// An uploaded file with content, or nil.
    func file(_ name: String) -> File? {
        guard let file = files[name], !file.data.isEmpty else { return nil }
        return file
    }

    /// Reads the request body, refusing anything over `maxBytes`.
    /// - Throws: ``ConsoleError`` (400, 413, 415).
    static func read(_ request: Request, maxBytes: Int) async throws -> ConsoleForm {
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch {
            throw ConsoleError(.contentTooLarge, "The upload is larger than \(maxBytes / 1024 / 1024) MiB.")
        }
        let bytes = Array(buffer.readableBytesView)
        switch mediaType {
        case "application/x-www-form-urlencoded":
            guard bytes.count <= maxURLEncodedBytes else { throw ConsoleError(.contentTooLarge, "The form is too large.") }
            return try ConsoleForm(fields: parseURLEncoded(String(decoding: bytes, as: UTF8.self)))
        case "multipart/form-data":
            guard let boundary = MultipartParser.boundary(from: contentType) else {
                throw ConsoleError(.badRequest, "The form has no multipart boundary.")
            }
            let parts = try MultipartParser(boundary: boundary, maxParts: maxFields).parse(bytes)
            var form = ConsoleForm(fields: [])
            for part in parts {
                if let filename = part.filename {
                    form.files[part.name] = File(filename: filename, data: part.body)
                } else {
                    form.fields.append((part.name, String(decoding: part.body, as: UTF8.self)))
                }
            }
            return form
        default:
            throw ConsoleError(.unsupportedMediaType, "Forms must be sent as form data.")
        }
    }

    /// Parses `a=1&b=x+y` (plus for space, percent escapes).
    static func parseURLEncoded(_ text: String) throws -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            guard result.count < maxFields else { throw ConsoleError(.badRequest, "The form has too many fields.") }
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            result.append((decode(parts[0]), parts.count > 1 ? decode(parts[1]) : ""))
        }
        return result
    }
}
