import Foundation
import HTTPTypes
public import Hummingbird
import Logging
import NIOPosix

/// The operators' web console: server-rendered HTML under `/ui/`, on the admin server's
/// router, session and middleware. `/` redirects to it.
///
/// Every page needs a browser session (the login form opens one); a page or form a role
/// may not use is neither linked nor served (403). Every POST carries the session's CSRF
/// token in a hidden field; state changes go through the same stores the API and CLI use.
public struct ConsoleRoutes: Sendable {
    let services: AdminServices
    let cookies: CookieSettings
    let tlsStore: TLSMaterialStore?
    /// The storage root whose disk use the dashboard shows.
    let storageRoot: String?
    /// Certificate files whose expiry the dashboard shows.
    let certificatePaths: [String]
    let renderer: ConsoleRenderer

    /// The console of `server` (its services, cookie policy, TLS store and gauges' paths).
    public init(server: AdminServer) {
        self.init(
            services: server.services,
            cookies: CookieSettings(secure: server.configuration.secureCookies ?? server.configuration.tlsEnabled),
            tlsStore: server.tlsStore, storageRoot: server.resourceGauges?.storageRoot,
            certificatePaths: server.resourceGauges?.certificatePaths ?? [])
    }

    init(
        services: AdminServices, cookies: CookieSettings, tlsStore: TLSMaterialStore?, storageRoot: String?,
        certificatePaths: [String]
    ) {
        self.services = services
        self.cookies = cookies
        self.tlsStore = tlsStore
        self.storageRoot = storageRoot
        self.certificatePaths = certificatePaths
        self.renderer = ConsoleRenderer.shared
    }

    /// Registers every console route on `router`.
    public func register(on router: Router<AdminRequestContext>) {
        router.get("/") { _, _ in Self.redirect(to: "/ui/") }
        router.get("/ui/static/console.css") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "private, max-age=3600"],
                body: .init(byteBuffer: .init(string: ConsoleStylesheet.css)))
        }
        let pages = ConsolePages(console: self)
        pages.registerAuth(on: router)
        pages.registerDashboard(on: router)
        pages.registerStudies(on: router)
        pages.registerJobs(on: router)
        pages.registerDestinations(on: router)
        pages.registerRoutes(on: router)
        pages.registerUsers(on: router)
        pages.registerAudit(on: router)
        pages.registerTLS(on: router)
    }

    /// A 303 See Other to `location` (after a POST, so a reload does not repeat it).
    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
