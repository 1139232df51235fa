import HTTPTypes
import Foundation
import Hummingbird
import Mustache

/// Renders the console's Mustache templates (compiled into the binary, see
/// ``ConsoleTemplates``) into HTML responses with the console's security headers.
struct ConsoleRenderer: Sendable {
    /// The one renderer: templates are parsed once, at first use.
    static let shared = ConsoleRenderer()

    /// No script, no framing, nothing from elsewhere: styles and images from this server
    /// only (the bar charts are inline SVG markup, which needs no source), forms post here.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        for (name, text) in ConsoleTemplates.all {
            do {
                try library.register(text, named: name)
            } catch {
                // The templates are constants compiled in; a parse error is a programming error
                // that the console tests catch.
                fatalError("console template \(name) does not parse: \(error)")
            }
        }
        self.library = library
    }

    /// Renders `template` with `model` as an HTML response.
    func render(_ template: String, _ model: Any, status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(model, withTemplate: template) ?? "template \(template) missing"
        return Self.htmlResponse(html, status: status)
    }

    /// An HTML response with the console's headers.
    static func htmlResponse(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .contentSecurityPolicy: contentSecurityPolicy,
                .init("Referrer-Policy")!: "same-origin",
            ],
            body: .init(byteBuffer: .init(string: html)))
    }
}
