import HTTPTypes
/// What every console page shows around its content: title, navigation for the viewer's
/// role, who is logged in, the CSRF token for the page's forms, and a notice or error.
struct ConsoleChrome: Sendable {
    /// One navigation link.
    struct NavItem: Sendable {
        let label: String
        let href: String
        let current: Bool
    }

    let title: String
    let username: String?
    let role: String?
    let csrf: String?
    let nav: [NavItem]
    var notice: String?
    var error: String?

    /// The sections and the role each needs.
    static let sections: [(label: String, href: String, role: Role)] = [
        ("Dashboard", "/ui/", .viewer),
        ("Studies", "/ui/studies", .viewer),
        ("Jobs", "/ui/jobs", .viewer),
        ("Destinations", "/ui/destinations", .viewer),
        ("Routes", "/ui/routes", .viewer),
        ("Users", "/ui/users", .admin),
        ("Audit log", "/ui/audit", .viewer),
        ("TLS", "/ui/tls", .viewer),
    ]

    /// The chrome of a page in section `section` (its href) for `viewer`.
    init(title: String, section: String, viewer: ConsoleViewer?, notice: String? = nil, error: String? = nil) {
        self.title = title
        self.username = viewer?.principal.username
        self.role = viewer?.principal.role.name
        self.csrf = viewer?.csrfToken
        if let viewer {
            self.nav = Self.sections.filter { viewer.principal.role.includes($0.role) }.map {
                NavItem(label: $0.label, href: $0.href, current: $0.href == section)
            }
        } else {
            self.nav = []
        }
        self.notice = notice
        self.error = error
    }
}

/// The logged-in user looking at a console page.
struct ConsoleViewer: Sendable {
    let principal: Principal
    /// The session's CSRF token, put in every form.
    let csrfToken: String
    /// The browser's address, for the audit log.
    let address: String?

    /// Whether the viewer holds `role`.
    func can(_ role: Role) -> Bool { principal.role.includes(role) }

    /// The audit actor of the viewer, as the API records it.
    var actor: AuditEvent.Actor { .user(principal.username, address: address) }

    /// The actor for the forwarding stores' audit rows.
    var forwardActor: AuditActor { .user(principal.username) }
}
