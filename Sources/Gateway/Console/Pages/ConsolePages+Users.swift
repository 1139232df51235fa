import Foundation
import HTTPTypes
import Hummingbird

extension ConsolePages {
    struct UsersPage {
        struct Row {
            let id: Int64
            let username: String
            let roles: [Option]
            let status: Badge
            let disabled: Bool
            let lastLogin: String?
            let created: String?
            let isSelf: Bool
        }
        let chrome: ConsoleChrome
        let rows: [Row]
        let roles: [Option]
        let newUsername: String?
        let errors: [String: String]
        let generatedPassword: String?
        let generatedFor: String?
    }

    func registerUsers(on router: Router<AdminRequestContext>) {
        let pages = self
        let users = services.users

        get(router, "/ui/users", role: .admin) { request, _, viewer in
            try await pages.usersPage(viewer, notice: ConsoleNotice.message(request))
        }

        post(router, "/ui/users", role: .admin) { _, _, viewer, form in
            let username = form.value("username") ?? ""
            var errors: [String: String] = [:]
            if !UserRecord.isValidUsername(username) {
                errors["username"] = "1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"
            }
            let role = form.value("role").flatMap(Role.init(name:))
            if role == nil { errors["role"] = "choose a role" }
            let given = form.raw("password")
            if let given, let problem = PasswordHasher.policyViolation(given) { errors["password"] = problem }
            guard errors.isEmpty, let role else {
                return try await pages.usersPage(
                    viewer, error: "Check the highlighted fields.", newUsername: username, errors: errors, status: .unprocessableContent)
            }
            let generated = given == nil ? SecretGenerator.password() : nil
            do {
                let user = try await users.create(username: username, password: given ?? generated ?? "", role: role, by: viewer.actor)
                return try await pages.usersPage(
                    viewer, notice: "User \(user.username) created as \(role.name).", generatedPassword: generated, generatedFor: user.username)
            } catch let error as ResourceError {
                var fields: [String: String] = [:]
                fields[error.field ?? "username"] = error.message
                return try await pages.usersPage(viewer, error: error.description, newUsername: username, errors: fields, status: error.code == .conflict ? .conflict : .unprocessableContent)
            }
        }

        post(router, "/ui/users/:id", role: .admin) { _, context, viewer, form in
            guard let id = context.parameters.get("id").flatMap({ Int64($0) }), let user = try await users.find(id: id) else {
                throw ConsoleError.notFound("user")
            }
            do {
                switch form.value("op") {
                case "role":
                    guard let role = form.value("role").flatMap(Role.init(name:)) else { throw ConsoleError(.unprocessableContent, "Choose a role.") }
                    guard id != viewer.principal.userID || role == user.role else {
                        throw ConsoleError(.unprocessableContent, "You cannot change your own role; ask another admin.")
                    }
                    _ = try await users.setRole(userID: id, role: role, by: viewer.actor)
                case "disable", "enable":
                    guard id != viewer.principal.userID else {
                        throw ConsoleError(.unprocessableContent, "You cannot disable your own account.")
                    }
                    _ = try await users.setDisabled(userID: id, disabled: form.value("op") == "disable", by: viewer.actor)
                default:
                    throw ConsoleError(.unprocessableContent, "Choose what to change.")
                }
            } catch let error as ConsoleError {
                return try await pages.usersPage(viewer, error: error.message, status: error.status)
            } catch let error as ResourceError {
                return try await pages.usersPage(viewer, error: error.description, status: error.code == .conflict ? .conflict : .unprocessableContent)
            }
            return ConsoleRoutes.redirect(to: "/ui/users" + Self.query([("notice", "user-saved"), ("name", user.username)]))
        }

        post(router, "/ui/users/:id/password", role: .admin) { _, context, viewer, form in
            guard let id = context.parameters.get("id").flatMap({ Int64($0) }), let user = try await users.find(id: id) else {
                throw ConsoleError.notFound("user")
            }
            do {
                _ = try await users.setPassword(userID: id, password: form.raw("password") ?? "", by: viewer.actor)
            } catch let error as ResourceError {
                return try await pages.usersPage(viewer, error: "\(user.username): \(error.message)", status: .unprocessableContent)
            }
            return ConsoleRoutes.redirect(to: "/ui/users" + Self.query([("notice", "password-set"), ("name", user.username)]))
        }
    }

    func usersPage(
        _ viewer: ConsoleViewer, notice: String? = nil, error: String? = nil, newUsername: String? = nil, errors: [String: String] = [:],
        generatedPassword: String? = nil, generatedFor: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let now = Date()
        let rows = try await services.users.list().map { user in
            UsersPage.Row(
                id: user.id, username: user.username,
                roles: Role.all.map { Option(value: $0.name, label: $0.name, selected: $0 == user.role) },
                status: user.disabled ? .neutral("disabled") : (user.lockedUntil.map { $0 > now } ?? false) ? .warn("locked") : .ok("active"),
                disabled: user.disabled, lastLogin: ConsoleFormat.time(user.lastLoginAt), created: ConsoleFormat.time(user.createdAt),
                isSelf: user.id == viewer.principal.userID)
        }
        return renderer.render(
            "users",
            UsersPage(
                chrome: ConsoleChrome(title: "Users", section: "/ui/users", viewer: viewer, notice: notice, error: error),
                rows: rows, roles: Role.all.map { Option(value: $0.name, label: $0.name, selected: $0 == .viewer) },
                newUsername: newUsername, errors: errors, generatedPassword: generatedPassword, generatedFor: generatedFor),
            status: status)
    }
}
