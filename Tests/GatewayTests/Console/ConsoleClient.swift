import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A browser stand-in for route-level console tests: keeps cookies, reads the CSRF token
/// from the last page's forms, and posts urlencoded or multipart forms.
final class ConsoleClient {
    let client: any TestClientProtocol
    private(set) var cookies: [String: String] = [:]
    /// The CSRF token of the last page that had a form.
    private(set) var csrf: String?
    /// The Set-Cookie headers of the last response.
    private(set) var lastSetCookies: [String] = []

    init(_ client: any TestClientProtocol) {
        self.client = client
    }

    /// GET `path` with the cookies.
    @discardableResult
    func get(_ path: String) async throws -> TestResponse {
        try await send(.get, path, headers: [:], body: nil)
    }

    /// POSTs an urlencoded form, adding the current CSRF token unless `csrf` overrides it.
    @discardableResult
    func post(_ path: String, _ fields: [(String, String)], csrf override: String?? = .none) async throws -> TestResponse {
        var all = fields
        switch override {
        case .none: if let csrf { all.append(("csrf", csrf)) }
        case .some(.some(let token)): all.append(("csrf", token))
        case .some(.none): break
        }
        let body = all.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
        return try await send(.post, path, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body))
    }

    /// POSTs a multipart form with files (name → (filename, bytes)) and the CSRF token.
    @discardableResult
    func postMultipart(_ path: String, _ fields: [(String, String)], files: [String: (String, [UInt8])]) async throws -> TestResponse {
        let boundary = "----console-test-\(UUID().uuidString)"
        var body: [UInt8] = []
        func append(_ text: String) { body.append(contentsOf: Array(text.utf8)) }
        for (name, value) in fields + (csrf.map { [("csrf", $0)] } ?? []) {
            append("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        for (name, file) in files {
            append("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(file.0)\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            body.append(contentsOf: file.1)
            append("\r\n")
        }
        append("--\(boundary)--\r\n")
        return try await send(
            .post, path, headers: [.contentType: "multipart/form-data; boundary=\(boundary)"], body: ByteBuffer(bytes: body))
    }

    /// Logs in through the form; returns the POST's response.
    @discardableResult
    func login(_ username: String, _ password: String) async throws -> TestResponse {
        try await get("/ui/login")
        let response = try await post("/ui/login", [("username", username), ("password", password)])
        if response.status == .seeOther { try await get("/ui/") }
        return response
    }

    func send(_ method: HTTPRequest.Method, _ path: String, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        var headers = headers
        if !cookies.isEmpty {
            headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        lastSetCookies = response.headers[values: .setCookie]
        for header in lastSetCookies {
            let first = header.split(separator: ";", maxSplits: 1)[0]
            let pair = first.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            if header.lowercased().contains("max-age=0") { cookies[String(pair[0])] = nil } else { cookies[String(pair[0])] = String(pair[1]) }
        }
        if let token = Self.csrfToken(in: String(buffer: response.body)) { csrf = token }
        return response
    }

    static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        let rest = html[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
