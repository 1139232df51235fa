import DICOM
import Foundation
import HTTPTypes
import Hummingbird
import NIOPosix

extension ConsolePages {
    struct RoutesPage {
        struct Row {
            let name: String
            let href: String
            let enabled: Bool
            let priority: Int
            let conditions: [String]
            let destinations: String
            let mode: String
            let archivePolicy: String
            let configManaged: Bool
        }
        struct TestResult {
            struct Evaluation {
                let route: String
                let status: Badge
                let reason: String?
                let destinations: String
            }
            let filename: String
            let attributes: [Fact]
            let evaluations: [Evaluation]
            let destinations: [String]
            let skipped: [String]
            let anyDestination: Bool
        }
        struct Fact {
            let label: String
            let value: String
        }
        let chrome: ConsoleChrome
        let rows: [Row]
        let canEdit: Bool
        let test: TestResult?
        let callingAE: String?
        let calledAE: String?
    }

    struct RouteFormPage {
        let chrome: ConsoleChrome
        let action: String
        let isNew: Bool
        let values: [String: String]
        let errors: [String: String]
        let enabled: Bool
        let modes: [Option]
        let policies: [Option]
        let destinations: [Option]
        let editable: Bool
        let configManaged: Bool
    }

    /// A condition in the form the CLI and this form accept (`FIELD=VALUE`, `FIELD~REGEX`, `FIELD?`, `FIELD!`).
    static func conditionText(_ condition: RouteCondition) -> String {
        switch condition.test {
        case .equals(let value): "\(condition.field)=\(value)"
        case .regex(let value): "\(condition.field)~\(value)"
        case .present(let present): "\(condition.field)\(present ? "?" : "!")"
        }
    }

    func registerRoutes(on router: Router<AdminRequestContext>) {
        let pages = self
        let store = RouteStore(pool: services.pool)

        get(router, "/ui/routes") { request, _, viewer in
            try await pages.routesPage(viewer, notice: ConsoleNotice.message(request), error: nil, test: nil, form: nil)
        }

        post(router, "/ui/routes/test", role: .viewer, maxBytes: Self.maxUploadBytes) { _, _, viewer, form in
            guard let file = form.file("file") else {
                return try await pages.routesPage(viewer, notice: nil, error: "Choose a DICOM file to test.", test: nil, form: form, status: .unprocessableContent)
            }
            let calling = form.value("calling_ae").map { String($0.prefix(16)) }
            let called = form.value("called_ae").map { String($0.prefix(16)) }
            let attributes: RoutingAttributes
            do {
                attributes = try await NIOThreadPool.singleton.runIfActive {
                    let path = FileManager.default.temporaryDirectory.appendingPathComponent("dicom-gw-route-test-\(UUID().uuidString).dcm").path
                    defer { try? FileManager.default.removeItem(atPath: path) }
                    guard FileManager.default.createFile(atPath: path, contents: Data(file.data), attributes: [.posixPermissions: 0o600]) else {
                        throw ConsoleError(.internalServerError, "The upload could not be stored for reading.")
                    }
                    return try RoutingAttributes(file: path, callingAE: calling, calledAE: called)
                }
            } catch let error as ConsoleError {
                throw error
            } catch {
                return try await pages.routesPage(
                    viewer, notice: nil, error: "\(file.filename) is not a readable DICOM file: \(error)", test: nil, form: form,
                    status: .unprocessableContent)
            }
            let routes = try await store.list()
            let enabledDestinations = Dictionary(
                uniqueKeysWithValues: try await DestinationStore(pool: pages.services.pool).list().map { ($0.name, $0.enabled) })
            var chosen: [String] = []
            var skipped: [String] = []
            let evaluations = routes.map { route -> RoutesPage.TestResult.Evaluation in
                let destinations = route.destinations.joined(separator: ", ")
                guard route.enabled else {
                    return .init(route: route.name, status: .neutral("disabled"), reason: nil, destinations: destinations)
                }
                let (matches, failed) = route.evaluate(attributes)
                guard matches else {
                    return .init(route: route.name, status: .neutral("no match"), reason: failed.map { "fails \($0)" }, destinations: destinations)
                }
                for name in route.destinations where !chosen.contains(name) && !skipped.contains(name) {
                    if enabledDestinations[name] == true { chosen.append(name) } else { skipped.append(name) }
                }
                return .init(route: route.name, status: .ok("matches"), reason: route.conditions.isEmpty ? "no conditions" : nil, destinations: destinations)
            }
            var facts: [RoutesPage.Fact] = []
            for (label, field) in [("Calling AE", "calling_ae"), ("Called AE", "called_ae"), ("Modality", "modality"), ("SOP class", "sop_class"),
                                   ("Study UID", "StudyInstanceUID"), ("Patient ID", "PatientID")] {
                facts.append(.init(label: label, value: attributes.value(of: field) ?? "—"))
            }
            let result = RoutesPage.TestResult(
                filename: file.filename, attributes: facts, evaluations: evaluations, destinations: chosen, skipped: skipped,
                anyDestination: !chosen.isEmpty)
            return try await pages.routesPage(viewer, notice: nil, error: nil, test: result, form: form)
        }

        get(router, "/ui/routes/new", role: .admin) { _, _, viewer in
            try await pages.routeForm(viewer, existing: nil, values: ["priority": "100", "mode": "immediate", "stable_seconds": "0", "archive_policy": "keep", "enabled": "on"], chosen: [], errors: [:], error: nil)
        }

        post(router, "/ui/routes", role: .admin) { _, _, viewer, form in
            try await pages.saveRoute(viewer, existing: nil, form: form, store: store)
        }

        get(router, "/ui/routes/:name") { request, context, viewer in
            guard let name = context.parameters.get("name"), let route = try await store.list().first(where: { $0.name == name }) else {
                throw ConsoleError.notFound("route")
            }
            return try await pages.routeForm(
                viewer, existing: route, values: Self.routeValues(route), chosen: route.destinations, errors: [:], error: nil,
                notice: ConsoleNotice.message(request))
        }

        post(router, "/ui/routes/:name", role: .admin) { _, context, viewer, form in
            guard let name = context.parameters.get("name"), let route = try await store.list().first(where: { $0.name == name }) else {
                throw ConsoleError.notFound("route")
            }
            guard route.source == "operator" else {
                throw ConsoleError(.conflict, "This route is managed by the configuration file; change it there.")
            }
            return try await pages.saveRoute(viewer, existing: route, form: form, store: store)
        }
    }

    static func routeValues(_ route: Route) -> [String: String] {
        [
            "name": route.name, "priority": String(route.priority), "conditions": route.conditions.map(conditionText).joined(separator: "\n"),
            "mode": route.mode.description, "stable_seconds": String(route.stableSeconds), "archive_policy": route.archivePolicy,
            "description": route.description ?? "", "enabled": route.enabled ? "on" : "",
        ]
    }

    func saveRoute(_ viewer: ConsoleViewer, existing: Route?, form: ConsoleForm, store: RouteStore) async throws -> Response {
        var values: [String: String] = [:]
        for key in ["name", "priority", "conditions", "mode", "stable_seconds", "archive_policy", "description"] {
            values[key] = form.value(key) ?? ""
        }
        values["enabled"] = form.checked("enabled") ? "on" : ""
        let chosen = form.values("destination")
        var errors: [String: String] = [:]
        let name = values["name"] ?? ""
        if name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", options: .regularExpression) == nil {
            errors["name"] = "1–64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        }
        var route = Route(name: name, destinations: chosen)
        route.enabled = values["enabled"] == "on"
        if let priority = Int(values["priority"] ?? ""), (-100_000...100_000).contains(priority) {
            route.priority = priority
        } else {
            errors["priority"] = "a whole number from -100000 to 100000"
        }
        let lines = (values["conditions"] ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if lines.count > 64 { errors["conditions"] = "at most 64 conditions" }
        for (number, line) in lines.prefix(64).enumerated() {
            do {
                route.conditions.append(try RouteCondition(parsing: line))
            } catch let error as ForwardError {
                errors["conditions"] = "line \(number + 1): \(error.message)"
                break
            }
        }
        if let mode = Route.Mode(name: values["mode"] ?? "") { route.mode = mode } else { errors["mode"] = "immediate or study_stable" }
        if let seconds = Int(values["stable_seconds"] ?? ""), (0...604_800).contains(seconds) {
            route.stableSeconds = seconds
        } else {
            errors["stable_seconds"] = "a whole number of seconds from 0 to 604800"
        }
        if Route.archivePolicies.contains(values["archive_policy"] ?? "") {
            route.archivePolicy = values["archive_policy"] ?? "keep"
        } else {
            errors["archive_policy"] = "keep, archive or delete"
        }
        if chosen.isEmpty { errors["destinations"] = "choose at least one destination" }
        if chosen.count > 64 { errors["destinations"] = "at most 64 destinations" }
        let description = values["description"] ?? ""
        if description.count > 1000 { errors["description"] = "at most 1000 characters" }
        route.description = description.isEmpty ? nil : description
        guard errors.isEmpty else {
            return try await routeForm(viewer, existing: existing, values: values, chosen: chosen, errors: errors, error: "Check the highlighted fields.")
        }
        do {
            if let existing {
                // In place, in one transaction: the route keeps its id (and a rename is atomic).
                route.id = existing.id
                try await store.update(route, actor: viewer.forwardActor)
            } else {
                try await store.save(route, actor: viewer.forwardActor)
            }
        } catch let error as ForwardError {
            return try await routeForm(viewer, existing: existing, values: values, chosen: chosen, errors: [:], error: error.message)
        }
        return ConsoleRoutes.redirect(to: "/ui/routes/\(route.name)" + Self.query([("notice", "route-saved"), ("name", route.name)]))
    }

    func routeForm(
        _ viewer: ConsoleViewer, existing: Route?, values: [String: String], chosen: [String], errors: [String: String], error: String?,
        notice: String? = nil
    ) async throws -> Response {
        let destinations = try await DestinationStore(pool: services.pool).list()
        let editable = viewer.can(.admin) && (existing?.source ?? "operator") == "operator"
        let mode = values["mode"] ?? "immediate"
        let policy = values["archive_policy"] ?? "keep"
        return renderer.render(
            "route-form",
            RouteFormPage(
                chrome: ConsoleChrome(
                    title: existing.map { "Route \($0.name)" } ?? "New route", section: "/ui/routes", viewer: viewer, notice: notice,
                    error: error),
                action: existing.map { "/ui/routes/\($0.name)" } ?? "/ui/routes", isNew: existing == nil, values: values,
                errors: errors, enabled: values["enabled"] == "on",
                modes: [("immediate", "Each object as it arrives"), ("study_stable", "Whole study once it is quiet")].map {
                    Option(value: $0.0, label: $0.1, selected: $0.0 == mode)
                },
                policies: [("keep", "Keep in the tree"), ("archive", "Move to forwarded/"), ("delete", "Delete")].map {
                    Option(value: $0.0, label: $0.1, selected: $0.0 == policy)
                },
                destinations: destinations.map { Option(value: $0.name, label: $0.name + ($0.enabled ? "" : " (disabled)"), selected: chosen.contains($0.name)) },
                editable: editable, configManaged: existing?.source == "config"),
            status: errors.isEmpty && error == nil ? .ok : .unprocessableContent)
    }

    func routesPage(
        _ viewer: ConsoleViewer, notice: String?, error: String?, test: RoutesPage.TestResult?, form: ConsoleForm?,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let routes = try await RouteStore(pool: services.pool).list()
        let rows = routes.map { route in
            RoutesPage.Row(
                name: route.name, href: "/ui/routes/\(route.name)", enabled: route.enabled, priority: route.priority,
                conditions: route.conditions.isEmpty ? ["every object"] : route.conditions.map(Self.conditionText),
                destinations: route.destinations.joined(separator: ", "), mode: route.mode == .studyStable ? "study stable (\(route.stableSeconds) s)" : "immediate",
                archivePolicy: route.archivePolicy, configManaged: route.source == "config")
        }
        return renderer.render(
            "routes",
            RoutesPage(
                chrome: ConsoleChrome(title: "Routes", section: "/ui/routes", viewer: viewer, notice: notice, error: error),
                rows: rows, canEdit: viewer.can(.admin), test: test, callingAE: form?.value("calling_ae"), calledAE: form?.value("called_ae")),
            status: status)
    }
}
