import HTTPTypes
import Foundation
import Hummingbird

extension ConsolePages {
    /// The cookie carrying the login form's CSRF token (there is no session yet).
    static let loginCSRFCookie = "dgw_login_csrf"

    struct LoginPage {
        let chrome: ConsoleChrome
        let csrf: String
        let username: String?
        let next: String?
    }

    func registerAuth(on router: Router<AdminRequestContext>) {
        let pages = self
        let cookies = console.cookies

        router.get("/ui/login") { request, context in
            if context.principal != nil, (try? pages.viewer(request, context, role: .viewer)) != nil {
                return ConsoleRoutes.redirect(to: "/ui/")
            }
            let next = request.uri.queryParameters["next"].flatMap { Self.safeReturnPath(String($0)) }
            return pages.loginForm(notice: ConsoleNotice.message(request), error: nil, username: nil, next: next, status: .ok)
        }

        router.post("/ui/login") { request, context in
            await pages.guarded(request, context) {
                let form = try await ConsoleForm.read(request, maxBytes: 16 * 1024)
                // Double-submit: the hidden field must equal the cookie set with the form, which
                // another site can neither read nor set (SameSite=Strict, HttpOnly).
                guard let sent = form.raw("csrf"), let cookie = request.cookies[Self.loginCSRFCookie]?.value,
                    AdminRouteBuilder.constantTimeEqual(sent, cookie)
                else { throw ConsoleError.csrf }
                let next = form.value("next").flatMap(Self.safeReturnPath)
                let username = form.value("username") ?? ""
                let password = form.raw("password") ?? ""
                guard !username.isEmpty, !password.isEmpty else {
                    return pages.loginForm(
                        notice: nil, error: "Enter your username and password.", username: username, next: next,
                        status: .unprocessableContent)
                }
                guard username.utf8.count <= 64, password.utf8.count <= 1024,
                    let login = try await pages.services.authenticator.login(
                        username: username, password: password, address: context.remoteAddress)
                else {
                    return pages.loginForm(
                        notice: nil, error: "Wrong username or password, or the account is locked or disabled.",
                        username: username, next: next, status: .unauthorized)
                }
                var response = ConsoleRoutes.redirect(to: next ?? "/ui/")
                response.setCookie(
                    cookies.sessionCookie(login.sessionToken, maxAge: max(Int(login.expiresAt.timeIntervalSinceNow), 1)))
                response.setCookie(
                    Cookie(name: Self.loginCSRFCookie, value: "", maxAge: 0, path: "/ui/login", secure: cookies.secure,
                           httpOnly: true, sameSite: .strict))
                return response
            }
        }

        post(router, "/ui/logout", role: .viewer) { _, context, viewer, _ in
            try await pages.services.authenticator.logout(viewer.principal, address: context.remoteAddress)
            var response = ConsoleRoutes.redirect(to: "/ui/login?notice=logged-out")
            response.setCookie(cookies.expiredCookie())
            return response
        }
    }

    /// The login form with a fresh CSRF cookie.
    func loginForm(notice: String?, error: String?, username: String?, next: String?, status: HTTPResponse.Status) -> Response {
        let token = SecretGenerator.randomToken()
        var response = renderer.render(
            "login",
            LoginPage(
                chrome: ConsoleChrome(title: "Log in", section: "", viewer: nil, notice: notice, error: error), csrf: token,
                username: username, next: next),
            status: status)
        response.setCookie(
            Cookie(name: Self.loginCSRFCookie, value: token, maxAge: 3600, path: "/ui/login", secure: console.cookies.secure,
                   httpOnly: true, sameSite: .strict))
        return response
    }
}
