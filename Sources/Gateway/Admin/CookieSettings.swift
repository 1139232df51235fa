import Hummingbird
import Foundation

/// How the session cookie is written: HttpOnly, SameSite=Strict, Path=/, Secure under HTTPS.
public struct CookieSettings: Sendable {
    /// Whether to set the Secure attribute.
    public var secure: Bool

    /// Creates the settings.
    public init(secure: Bool) {
        self.secure = secure
    }

    /// The cookie carrying a new session.
    func sessionCookie(_ token: String, maxAge: Int) -> Cookie {
        Cookie(
            name: AuthenticationMiddleware.sessionCookie, value: token, maxAge: maxAge, path: "/", secure: secure,
            httpOnly: true, sameSite: .strict)
    }

    /// A cookie that removes the session cookie.
    func expiredCookie() -> Cookie {
        Cookie(
            name: AuthenticationMiddleware.sessionCookie, value: "", maxAge: 0, path: "/", secure: secure,
            httpOnly: true, sameSite: .strict)
    }
}
