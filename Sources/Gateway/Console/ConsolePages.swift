import HTTPTypes
import Foundation
import Hummingbird
import Logging
import PostgresClient

/// The console's page handlers (one extension file per section under `Pages/`) and the
/// access checks every one of them passes through.
struct ConsolePages: Sendable {
    let console: ConsoleRoutes

    var services: AdminServices { console.services }
    var renderer: ConsoleRenderer { console.renderer }

    /// The largest form body (uploads: DICOM files for the route tester, PEM files).
    static let maxUploadBytes = 64 * 1024 * 1024

    /// A page handler: the request, its context and who is looking.
    typealias PageHandler = @Sendable (Request, AdminRequestContext, ConsoleViewer) async throws -> Response
    /// A form handler: as a page, plus the submitted form (CSRF already checked).
    typealias FormHandler = @Sendable (Request, AdminRequestContext, ConsoleViewer, ConsoleForm) async throws -> Response

    /// Registers a page for `role` and up; others get 403, anonymous visitors the login page.
    func get(_ router: Router<AdminRequestContext>, _ path: String, role: Role = .viewer, _ handler: @escaping PageHandler) {
        let pages = self
        router.get(RouterPath(path)) { request, context in
            await pages.guarded(request, context) {
                let viewer = try pages.viewer(request, context, role: role)
                return try await handler(request, context, viewer)
            }
        }
    }

    /// Registers a form target for `role` and up: the role is checked before the body is
    /// read, then the CSRF token in the `csrf` field.
    func post(
        _ router: Router<AdminRequestContext>, _ path: String, role: Role, maxBytes: Int = ConsoleForm.maxURLEncodedBytes,
        _ handler: @escaping FormHandler
    ) {
        let pages = self
        router.post(RouterPath(path)) { request, context in
            await pages.guarded(request, context) {
                let viewer = try pages.viewer(request, context, role: role)
                let form = try await ConsoleForm.read(request, maxBytes: maxBytes)
                guard let sent = form.raw("csrf"), AdminRouteBuilder.constantTimeEqual(sent, viewer.csrfToken) else {
                    throw ConsoleError.csrf
                }
                return try await handler(request, context, viewer, form)
            }
        }
    }

    /// The logged-in viewer holding `role`.
    /// - Throws: ``LoginRequired`` without a browser session, ``ConsoleError/forbidden``
    ///   for a lower role.
    func viewer(_ request: Request, _ context: AdminRequestContext, role: Role) throws -> ConsoleViewer {
        guard let principal = context.principal, case .session(_, let csrf) = principal.credential else {
            throw LoginRequired(path: request.method == .get ? request.uri.path : nil)
        }
        guard principal.role.includes(role) else { throw ConsoleError.forbidden }
        return ConsoleViewer(principal: principal, csrfToken: csrf, address: context.remoteAddress)
    }

    /// Thrown when a page needs a login; `path` is where to return afterwards.
    struct LoginRequired: Error {
        let path: String?
    }

    /// Runs `body`, turning every error into a page: the login page, or an error page.
    func guarded(_ request: Request, _ context: AdminRequestContext, _ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let login as LoginRequired {
            let next = login.path.flatMap { ConsolePages.safeReturnPath($0) }
            let query = next.map { "?next=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") } ?? ""
            return ConsoleRoutes.redirect(to: "/ui/login" + query)
        } catch {
            let shown: ConsoleError
            if let known = ConsoleError.describe(error) {
                shown = known
            } else if let error = error as? PostgresError,
                [.connectionFailed, .connectionLost, .connectionClosed, .poolTimeout, .poolShutdown].contains(error.code)
            {
                shown = ConsoleError(.serviceUnavailable, "The database is unavailable. Try again shortly.")
            } else {
                context.logger.error("console error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
                shown = ConsoleError(.internalServerError, "Something went wrong; the details are in the server log.")
            }
            let viewer = try? self.viewer(request, context, role: .viewer)
            return renderer.render(
                "error",
                ErrorPage(chrome: ConsoleChrome(title: "Error", section: "", viewer: viewer), status: Int(shown.status.code), message: shown.message),
                status: shown.status)
        }
    }

    struct ErrorPage {
        let chrome: ConsoleChrome
        let status: Int
        let message: String
    }

    /// `path` when it is a console page to return to after login, else nil (no open redirect).
    static func safeReturnPath(_ path: String) -> String? {
        guard path.hasPrefix("/ui/"), !path.hasPrefix("/ui//"), !path.contains("\\"), path.utf8.count <= 512,
            !path.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        return path
    }

    /// A URL query from pairs, leaving out empty values.
    static func query(_ pairs: [(String, String?)]) -> String {
        let items = pairs.compactMap { pair -> String? in
            guard let value = pair.1, !value.isEmpty else { return nil }
            return pair.0 + "=" + (value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        }
        return items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }
}
