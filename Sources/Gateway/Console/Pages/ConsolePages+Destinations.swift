import Foundation
import HTTPTypes
import Hummingbird
import PostgresClient

extension ConsolePages {
    struct DestinationsPage {
        struct Row {
            let id: Int64
            let name: String
            let href: String
            let address: String
            let status: Badge
            let waiting: Int
            let deadLetters: Int?
            let oldestWait: String?
            let lastError: String?
            let paused: Bool
            let configManaged: Bool
            /// "TLS", or a warning that the certificate's host name is not checked; nil: plain.
            let tls: Badge?
        }
        struct EchoResult {
            let name: String
            let success: Bool
            let text: String
        }
        let chrome: ConsoleChrome
        let rows: [Row]
        let canEdit: Bool
        let echo: EchoResult?
    }

    struct DestinationFormPage {
        let chrome: ConsoleChrome
        let action: String
        let isNew: Bool
        let id: Int64?
        let values: [String: String]
        let checks: [String: Bool]
        let errors: [String: String]
        let editable: Bool
        let canAct: Bool
        let paused: Bool
        let state: DestinationsPage.Row?
        /// The stored destination uses TLS without host name verification.
        let tlsUnverified: Bool
    }

    func registerDestinations(on router: Router<AdminRequestContext>) {
        let pages = self
        let store = DestinationStore(pool: services.pool)

        get(router, "/ui/destinations") { request, _, viewer in
            try await pages.destinationsPage(viewer, notice: ConsoleNotice.message(request), echo: nil)
        }

        get(router, "/ui/destinations/new", role: .operator) { _, _, viewer in
            try await pages.destinationForm(viewer, destination: nil, values: Self.formValues(Destination(name: "", aeTitle: "", host: "", port: 104)), errors: [:], error: nil)
        }

        post(router, "/ui/destinations", role: .operator) { _, _, viewer, form in
            let (parsed, values, errors) = Self.parseDestination(form, base: nil)
            guard let parsed, errors.isEmpty else {
                return try await pages.destinationForm(viewer, destination: nil, values: values, errors: errors, error: "Check the highlighted fields.")
            }
            do {
                let saved = try await store.save(parsed, actor: viewer.forwardActor)
                return ConsoleRoutes.redirect(to: "/ui/destinations" + Self.query([("notice", "destination-saved"), ("name", saved.name)]))
            } catch let error as ForwardError {
                return try await pages.destinationForm(viewer, destination: nil, values: values, errors: [:], error: error.message)
            }
        }

        get(router, "/ui/destinations/:id") { request, context, viewer in
            guard let id = context.parameters.get("id").flatMap({ Int64($0) }), let destination = try await store.find(id: id) else {
                throw ConsoleError.notFound("destination")
            }
            return try await pages.destinationForm(
                viewer, destination: destination, values: Self.formValues(destination), errors: [:], error: nil,
                notice: ConsoleNotice.message(request))
        }

        post(router, "/ui/destinations/:id", role: .operator) { _, context, viewer, form in
            guard let id = context.parameters.get("id").flatMap({ Int64($0) }), let existing = try await store.find(id: id) else {
                throw ConsoleError.notFound("destination")
            }
            guard existing.source == "operator" else {
                throw ConsoleError(.conflict, "This destination is managed by the configuration file; change it there.")
            }
            let (parsed, values, errors) = Self.parseDestination(form, base: existing)
            guard let parsed, errors.isEmpty else {
                return try await pages.destinationForm(viewer, destination: existing, values: values, errors: errors, error: "Check the highlighted fields.")
            }
            do {
                try await store.update(parsed, actor: viewer.forwardActor)
            } catch let error as ForwardError {
                return try await pages.destinationForm(viewer, destination: existing, values: values, errors: [:], error: error.message)
            } catch let error as PostgresError where error.code == .uniqueViolation {
                return try await pages.destinationForm(
                    viewer, destination: existing, values: values, errors: ["name": "another destination has this name"], error: "Check the highlighted fields.")
            }
            return ConsoleRoutes.redirect(to: "/ui/destinations/\(id)" + Self.query([("notice", "destination-saved"), ("name", parsed.name)]))
        }

        for (verb, pause) in [("pause", true), ("resume", false)] {
            post(router, "/ui/destinations/:id/\(verb)", role: .operator) { _, context, viewer, _ in
                guard let id = context.parameters.get("id").flatMap({ Int64($0) }), let destination = try await store.find(id: id) else {
                    throw ConsoleError.notFound("destination")
                }
                // The same operation as the API's: the lane is paused too, and it is audited
                // as destination.pause / destination.resume.
                try await store.setPaused(destination, pause, actor: viewer.forwardActor)
                return ConsoleRoutes.redirect(
                    to: "/ui/destinations" + Self.query([("notice", pause ? "destination-paused" : "destination-resumed"), ("name", destination.name)]))
            }
        }

        post(router, "/ui/destinations/:id/echo", role: .operator) { _, context, viewer, _ in
            guard let id = context.parameters.get("id").flatMap({ Int64($0) }), let destination = try await store.find(id: id) else {
                throw ConsoleError.notFound("destination")
            }
            let result = await DestinationEcho.test(
                destination, defaultCallingAETitle: pages.services.callingAETitle, logger: pages.services.logger)
            // Audited exactly as the API's echo route records it.
            try await pages.services.auditLog.record(
                AuditEvent(actor: viewer.actor, action: AuditAction.destinationEchoed, objectType: "destination",
                           objectID: destination.name, outcome: result.success ? .success : .failure,
                           details: ["status": .string(result.status ?? ""), "error": .string(result.error ?? "")]))
            let text = result.success
                ? "C-ECHO succeeded (status \(result.status ?? "0000")) in \(Int(result.milliseconds.rounded())) ms."
                : "C-ECHO failed after \(Int(result.milliseconds.rounded())) ms: \(result.error ?? "no answer")."
            return try await pages.destinationsPage(
                viewer, notice: nil, echo: .init(name: destination.name, success: result.success, text: text))
        }
    }

    func destinationsPage(_ viewer: ConsoleViewer, notice: String?, echo: DestinationsPage.EchoResult?) async throws -> Response {
        let states = try await ConsoleQueries(pool: services.pool).destinationStates()
        return renderer.render(
            "destinations",
            DestinationsPage(
                chrome: ConsoleChrome(title: "Destinations", section: "/ui/destinations", viewer: viewer, notice: notice),
                rows: states.map(Self.destinationRow), canEdit: viewer.can(.operator), echo: echo))
    }

    static func destinationRow(_ d: ConsoleQueries.DestinationState) -> DestinationsPage.Row {
        DestinationsPage.Row(
            id: d.id, name: d.name, href: "/ui/destinations/\(d.id)", address: "\(d.aeTitle) @ \(d.host):\(d.port)",
            status: badge(d), waiting: d.waiting + d.running, deadLetters: d.deadLetters == 0 ? nil : d.deadLetters,
            oldestWait: d.oldestWaitSeconds.map { ConsoleFormat.duration(seconds: $0) },
            lastError: ConsoleFormat.clip(d.lastError), paused: d.paused, configManaged: d.source == "config",
            tls: !d.tlsEnabled ? nil
                : d.tlsVerifyHostname ? .neutral("TLS") : .warn("TLS, host name not checked"))
    }

    func destinationForm(
        _ viewer: ConsoleViewer, destination: Destination?, values: [String: String], errors: [String: String], error: String?,
        notice: String? = nil
    ) async throws -> Response {
        var state: DestinationsPage.Row?
        if let destination {
            state = try await ConsoleQueries(pool: services.pool).destinationStates().first { $0.id == destination.id }.map(Self.destinationRow)
        }
        return renderDestinationForm(viewer, destination: destination, values: values, errors: errors, error: error, notice: notice, state: state)
    }

    func renderDestinationForm(
        _ viewer: ConsoleViewer, destination: Destination?, values: [String: String], errors: [String: String], error: String?,
        notice: String?, state: DestinationsPage.Row?
    ) -> Response {
        let editable = viewer.can(.operator) && (destination?.source ?? "operator") == "operator"
        var checks: [String: Bool] = [:]
        for key in ["tls_enabled", "tls_verify_hostname", "enabled"] { checks[key] = values[key] == "on" }
        return renderer.render(
            "destination-form",
            DestinationFormPage(
                chrome: ConsoleChrome(
                    title: destination.map { "Destination \($0.name)" } ?? "New destination", section: "/ui/destinations",
                    viewer: viewer, notice: notice, error: error),
                action: destination.map { "/ui/destinations/\($0.id)" } ?? "/ui/destinations", isNew: destination == nil,
                id: destination?.id, values: values, checks: checks, errors: errors, editable: editable,
                canAct: viewer.can(.operator) && destination != nil, paused: destination?.paused ?? false, state: state,
                tlsUnverified: destination?.tlsHostnameUnverified ?? false),
            status: errors.isEmpty && error == nil ? .ok : .unprocessableContent)
    }

    static func formValues(_ d: Destination) -> [String: String] {
        [
            "name": d.name, "ae_title": d.aeTitle, "host": d.host, "port": String(d.port), "calling_ae_title": d.callingAETitle ?? "",
            "tls_enabled": d.tlsEnabled ? "on" : "", "tls_verify_hostname": d.tlsVerifyHostname ? "on" : "", "tls_ca_file": d.tlsCAFile ?? "", "tls_certificate_file": d.tlsCertificateFile ?? "",
            "tls_key_file": d.tlsKeyFile ?? "", "max_associations": String(d.maxAssociations),
            "max_objects_per_association": String(d.maxObjectsPerAssociation), "max_attempts": String(d.maxAttempts),
            "retry_initial_delay": String(Int(d.retryInitialDelay)), "retry_max_delay": String(Int(d.retryMaxDelay)),
            "enabled": d.enabled ? "on" : "", "description": d.description ?? "", "source": d.source,
        ]
    }

    /// The destination a form describes, the values to show again, and a message per invalid field.
    static func parseDestination(_ form: ConsoleForm, base: Destination?) -> (Destination?, [String: String], [String: String]) {
        var values: [String: String] = [:]
        var errors: [String: String] = [:]
        for key in ["name", "ae_title", "host", "port", "calling_ae_title", "tls_ca_file", "tls_certificate_file", "tls_key_file",
                    "max_associations", "max_objects_per_association", "max_attempts", "retry_initial_delay", "retry_max_delay", "description"] {
            values[key] = form.value(key) ?? ""
        }
        values["tls_enabled"] = form.checked("tls_enabled") ? "on" : ""
        values["tls_verify_hostname"] = form.checked("tls_verify_hostname") ? "on" : ""
        values["enabled"] = form.checked("enabled") ? "on" : ""
        func text(_ key: String) -> String? { values[key].flatMap { $0.isEmpty ? nil : $0 } }
        func integer(_ key: String, _ range: ClosedRange<Int>, default value: Int) -> Int {
            guard let raw = text(key) else { return value }
            guard let number = Int(raw), range.contains(number) else {
                errors[key] = "a whole number from \(range.lowerBound) to \(range.upperBound)"
                return value
            }
            return number
        }
        let name = text("name") ?? ""
        if name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", options: .regularExpression) == nil {
            errors["name"] = "1–64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        }
        func aeTitle(_ key: String, required: Bool) -> String? {
            guard let value = text(key) else {
                if required { errors[key] = "required" }
                return nil
            }
            if !(1...16).contains(value.count) || value.contains("\\") || !value.unicodeScalars.allSatisfy({ (0x20..<0x7F).contains($0.value) }) {
                errors[key] = "1–16 printable ASCII characters, no backslash"
            }
            return value
        }
        let ae = aeTitle("ae_title", required: true) ?? ""
        let calling = aeTitle("calling_ae_title", required: false)
        let host = text("host") ?? ""
        if host.isEmpty || host.utf8.count > 253
            || !host.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || ".-:".unicodeScalars.contains($0) })
        {
            errors["host"] = "a host name or IP address"
        }
        let port = text("port") == nil ? { errors["port"] = "required"; return 104 }() : integer("port", 1...65535, default: 104)
        var d = base ?? Destination(name: name, aeTitle: ae, host: host, port: port)
        d.name = name
        d.aeTitle = ae
        d.host = host
        d.port = port
        d.callingAETitle = calling
        d.tlsEnabled = values["tls_enabled"] == "on"
        d.tlsVerifyHostname = values["tls_verify_hostname"] == "on"
        for key in ["tls_ca_file", "tls_certificate_file", "tls_key_file"] {
            if let path = text(key), !path.hasPrefix("/") || path.utf8.count > 4096 { errors[key] = "an absolute path" }
        }
        d.tlsCAFile = text("tls_ca_file")
        d.tlsCertificateFile = text("tls_certificate_file")
        d.tlsKeyFile = text("tls_key_file")
        if (d.tlsCertificateFile == nil) != (d.tlsKeyFile == nil) {
            errors["tls_key_file"] = "give both the certificate and the key, or neither"
        }
        d.maxAssociations = integer("max_associations", 1...64, default: d.maxAssociations)
        d.maxObjectsPerAssociation = integer("max_objects_per_association", 1...100_000, default: d.maxObjectsPerAssociation)
        d.maxAttempts = integer("max_attempts", 1...1000, default: d.maxAttempts)
        d.retryInitialDelay = Double(integer("retry_initial_delay", 1...86_400, default: Int(d.retryInitialDelay)))
        d.retryMaxDelay = Double(integer("retry_max_delay", 1...(7 * 86_400), default: Int(d.retryMaxDelay)))
        if errors["retry_max_delay"] == nil, d.retryMaxDelay < d.retryInitialDelay {
            errors["retry_max_delay"] = "must not be less than the first retry delay"
        }
        d.enabled = values["enabled"] == "on"
        d.description = text("description")
        if let description = d.description, description.count > 1000 { errors["description"] = "at most 1000 characters" }
        values["source"] = d.source
        return (errors.isEmpty ? d : nil, values, errors)
    }
}
