import Foundation
import HTTPTypes
import Hummingbird

extension ConsolePages {
    struct AuditPage {
        struct Row {
            let time: String?
            let actor: String
            let address: String?
            let action: String
            let object: String?
            let outcome: Badge
            let details: String?
            let sealed: Bool
        }
        struct Verification {
            let intact: Bool
            let summary: String
            let breakReason: String?
        }
        let chrome: ConsoleChrome
        let verification: Verification
        let since: String?
        let until: String?
        let actor: String?
        let action: String?
        let objectType: String?
        let outcomes: [Option]
        let rows: [Row]
        let previousHref: String?
        let nextHref: String?
        var paged = false
    }

    func registerAudit(on router: Router<AdminRequestContext>) {
        let pages = self

        get(router, "/ui/audit") { request, _, viewer in
            let query = request.uri.queryParameters
            var errors: [String] = []
            func text(_ name: Substring, _ max: Int) -> String? {
                guard let value = query[name].map({ String($0).trimmingCharacters(in: .whitespaces) }), !value.isEmpty else { return nil }
                guard value.count <= max, !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                    errors.append("\(name) is too long")
                    return nil
                }
                return value
            }
            func date(_ name: Substring) -> (String, Date)? {
                guard let value = text(name, 40) else { return nil }
                guard let parsed = QueryReader.parseDate(value) else {
                    errors.append("\(name == "since" ? "From" : "Until") must be a date YYYY-MM-DD")
                    return nil
                }
                return (value, parsed)
            }
            let since = date("since")
            let until = date("until")
            let actor = text("actor", 64)
            let action = text("action", 64)
            let objectType = text("object_type", 64)
            let outcome = text("outcome", 16).flatMap { ["success", "failure", "warning"].contains($0) ? $0 : nil }
            let offset = min(max(query["offset"].flatMap { Int($0) } ?? 0, 0), 1_000_000)
            let limit = 100
            // A day given as "until" means up to the end of that day.
            let untilDate = until.map { $0.0.count == 10 ? $0.1.addingTimeInterval(86_400) : $0.1 }
            let records = errors.isEmpty
                ? try await pages.services.auditQuery.list(
                    AuditFilter(since: since?.1, until: untilDate, actor: actor, action: action, objectType: objectType, outcome: outcome),
                    limit: limit + 1, offset: offset)
                : []
            let verification = try await pages.services.auditVerifier.verify()
            let summary = verification.isIntact && verification.verifiedEvents == 0
                ? "Nothing sealed into the hash chain yet; \(verification.unsealedEvents) recent events await sealing."
                : verification.isIntact
                ? "Chain intact: \(verification.verifiedEvents) sealed events verified"
                    + (verification.startsAtGenesis ? "" : " (older events purged)")
                    + (verification.unsealedEvents > 0 ? "; \(verification.unsealedEvents) recent events not sealed yet." : ".")
                : "Chain broken at event \(verification.firstBreak?.eventID ?? 0) (position \(verification.firstBreak?.chainSeq ?? 0)); \(verification.verifiedEvents) events verified before it."
            func href(_ offset: Int) -> String {
                "/ui/audit" + Self.query([
                    ("since", since?.0), ("until", until?.0), ("actor", actor), ("action", action), ("object_type", objectType),
                    ("outcome", outcome), ("offset", offset > 0 ? String(offset) : nil),
                ])
            }
            let rows = records.prefix(limit).map { r in
                AuditPage.Row(
                    time: ConsoleFormat.time(r.occurredAt), actor: r.actorType == "user" ? r.actor : "\(r.actor) (\(r.actorType))",
                    address: r.actorAddress, action: r.action,
                    object: r.objectType.map { type in r.objectID.map { "\(type) \($0)" } ?? type },
                    outcome: r.outcome == "success" ? .ok("success") : r.outcome == "failure" ? .bad("failure") : .warn(r.outcome),
                    details: Self.detailsText(r.details), sealed: r.chainSeq != nil)
            }
            return pages.renderer.render(
                "audit",
                AuditPage(
                    chrome: ConsoleChrome(
                        title: "Audit log", section: "/ui/audit", viewer: viewer,
                        error: errors.isEmpty ? nil : errors.joined(separator: "; ") + "."),
                    verification: .init(intact: verification.isIntact, summary: summary, breakReason: verification.firstBreak?.reason),
                    since: since?.0, until: until?.0, actor: actor, action: action, objectType: objectType,
                    outcomes: [("", "Any outcome"), ("success", "Success"), ("failure", "Failure"), ("warning", "Warning")].map {
                        Option(value: $0.0, label: $0.1, selected: $0.0 == (outcome ?? ""))
                    },
                    rows: Array(rows), previousHref: offset > 0 ? href(max(0, offset - limit)) : nil,
                    nextHref: records.count > limit ? href(offset + limit) : nil, paged: offset > 0 || records.count > limit),
                status: errors.isEmpty ? .ok : .unprocessableContent)
        }
    }

    /// `key: value` pairs of an event's details, for one table cell.
    static func detailsText(_ details: JSONValue) -> String? {
        guard case .object(let object) = details, !object.isEmpty else { return nil }
        let text = object.keys.sorted().map { key -> String in
            let value: String
            switch object[key] {
            case .string(let s)?: value = s
            case .number(let n)?: value = n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
            case .bool(let b)?: value = String(b)
            case .null?, nil: value = "null"
            case let other?: value = (try? other.jsonText()) ?? ""
            }
            return "\(key): \(value)"
        }.joined(separator: ", ")
        return ConsoleFormat.clip(text, 240)
    }
}
