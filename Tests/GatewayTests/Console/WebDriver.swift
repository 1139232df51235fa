import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// A minimal W3C WebDriver client over chromedriver's HTTP/JSON protocol, for the console's
/// browser test: one session of headless Chromium, navigate, find, type, click, screenshot.
struct WebDriver: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The element reference key of the W3C protocol.
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    /// One keep-alive connection to chromedriver (HummingbirdTesting's NIO client).
    let base: TestClient
    let sessionID: String

    /// Starts a session with headless Chromium (`binary`), a window of `width` × `height`.
    static func start(driver base: TestClient, binary: String, width: Int, height: Int, profile: String) async throws -> WebDriver {
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": binary,
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                            "--disable-extensions", "--window-size=\(width),\(height)", "--user-data-dir=\(profile)",
                            "--force-device-scale-factor=1", "--lang=en-GB",
                        ],
                    ],
                ] as [String: Any]
            ]
        ]
        let value = try await call(base, "POST", "/session", capabilities)
        guard let object = value as? [String: Any], let id = object["sessionId"] as? String else {
            throw Failure(description: "no session id in \(String(describing: value))")
        }
        return WebDriver(base: base, sessionID: id)
    }

    /// Waits until chromedriver answers its status as ready.
    static func waitUntilReady(driverPort: Int, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let ready = try? await TestClient.withClient(host: "127.0.0.1", port: driverPort) { client in
                (try await call(client, "GET", "/status", nil) as? [String: Any])?["ready"] as? Bool == true
            }
            if ready == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(description: "chromedriver did not become ready")
    }

    func navigate(_ url: String) async throws {
        _ = try await Self.call(base, "POST", "/session/\(sessionID)/url", ["url": url])
    }

    func currentURL() async throws -> String {
        try await Self.call(base, "GET", "/session/\(sessionID)/url", nil) as? String ?? ""
    }

    func source() async throws -> String {
        try await Self.call(base, "GET", "/session/\(sessionID)/source", nil) as? String ?? ""
    }

    /// Waits (up to `timeout`) until the page source contains `text`, as a click's
    /// navigation may still be under way when the click returns.
    func waitFor(_ text: String, timeout: Duration = .seconds(10)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await source().contains(text) { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// The first element matching a CSS selector.
    func find(_ selector: String) async throws -> String {
        let value = try await Self.call(base, "POST", "/session/\(sessionID)/element", ["using": "css selector", "value": selector])
        guard let object = value as? [String: Any], let id = object[Self.elementKey] as? String else {
            throw Failure(description: "no element \(selector)")
        }
        return id
    }

    func type(_ selector: String, _ text: String) async throws {
        let element = try await find(selector)
        _ = try await Self.call(base, "POST", "/session/\(sessionID)/element/\(element)/value", ["text": text])
    }

    func click(_ selector: String) async throws {
        let element = try await find(selector)
        _ = try await Self.call(base, "POST", "/session/\(sessionID)/element/\(element)/click", [String: Any]())
    }

    /// A PNG of the viewport.
    func screenshot() async throws -> Data {
        guard let text = try await Self.call(base, "GET", "/session/\(sessionID)/screenshot", nil) as? String,
            let data = Data(base64Encoded: text)
        else { throw Failure(description: "no screenshot") }
        return data
    }

    func quit() async {
        _ = try? await Self.call(base, "DELETE", "/session/\(sessionID)", nil)
    }

    /// One WebDriver command; returns its `value`, throws its error.
    static func call(_ base: TestClient, _ method: String, _ path: String, _ body: Any?) async throws -> Any? {
        var headers: HTTPFields = [:]
        var buffer: ByteBuffer?
        if let body {
            buffer = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))
            headers[.contentType] = "application/json"
        }
        let response = try await base.execute(
            TestClient.Request(path, method: HTTPRequest.Method(method) ?? .get, headers: headers, body: buffer))
        let data = Data(response.body.map { Array($0.readableBytesView) } ?? [])
        let json = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any]
        let value = json?["value"]
        if let error = value as? [String: Any], let kind = error["error"] as? String {
            throw Failure(description: "\(method) \(path): \(kind): \(error["message"] as? String ?? "")")
        }
        return value
    }
}
