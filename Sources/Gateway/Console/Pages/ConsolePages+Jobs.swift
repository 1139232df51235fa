import Foundation
import HTTPTypes
import Hummingbird
import JobQueue

extension ConsolePages {
    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }

    struct JobsPage {
        struct Row {
            let id: Int64
            let destination: String?
            let state: Badge
            let attempt: Int
            let enqueuedAt: String?
            let when: String?
            let error: String?
            let studyHref: String?
            let canRetry: Bool
            let canCancel: Bool
        }
        let chrome: ConsoleChrome
        let states: [Option]
        let destinations: [Option]
        let state: String
        let destination: String?
        let rows: [Row]
        let canAct: Bool
        let bulkRetry: Bool
        let bulkCancel: Bool
        let whenLabel: String
        let previousHref: String?
        let nextHref: String?
        var paged = false
    }

    struct JobsConfirmPage {
        let chrome: ConsoleChrome
        let action: String
        let verb: String
        let count: Int
        let plural: Bool
        let ids: [Int64]
        let shownIDs: String
        let state: String?
        let destination: String?
        let backHref: String
        let danger: Bool
    }

    static let stateLabels: [String: String] = [
        "live": "Waiting or sending", "scheduled": "Scheduled (retry later)", "available": "Ready to send",
        "running": "Sending", "failed": "Failed (dead-lettered)", "cancelled": "Cancelled", "completed": "Completed",
    ]

    static func jobBadge(_ state: String) -> Badge {
        switch state {
        case "failed": .bad("failed")
        case "cancelled": .neutral("cancelled")
        case "completed": .ok("completed")
        case "running": .ok("sending")
        case "scheduled": .warn("retry later")
        default: .neutral("waiting")
        }
    }

    /// The largest bulk action, as in the API.
    static let maxBulkJobs = 1000

    func registerJobs(on router: Router<AdminRequestContext>) {
        let pages = self

        get(router, "/ui/jobs") { request, _, viewer in
            let query = request.uri.queryParameters
            let state = query["state"].map(String.init).flatMap { ConsoleQueries.states.contains($0) ? $0 : nil } ?? "live"
            let destinations = try await DestinationStore(pool: pages.services.pool).list()
            let destinationID = query["destination"].flatMap { Int64($0) }.flatMap { id in destinations.contains { $0.id == id } ? id : nil }
            let offset = min(max(query["offset"].flatMap { Int($0) } ?? 0, 0), 1_000_000)
            let limit = 100
            let jobs = try await ConsoleQueries(pool: pages.services.pool).jobs(
                state: state, destinationID: destinationID, limit: limit + 1, offset: offset)
            let canAct = viewer.can(.operator)
            let live = ConsoleQueries.liveStates.contains(state) || state == "live"
            let rows = jobs.prefix(limit).map { job in
                JobsPage.Row(
                    id: job.id, destination: job.destination ?? job.lane, state: Self.jobBadge(job.state), attempt: job.attempt,
                    enqueuedAt: ConsoleFormat.time(job.enqueuedAt),
                    when: ConsoleFormat.time(job.finishedAt ?? job.runAt), error: ConsoleFormat.clip(job.lastError, 160),
                    studyHref: job.studyInstanceUID.map { "/ui/studies/\($0)" },
                    canRetry: canAct && (job.state == "failed" || job.state == "cancelled"),
                    canCancel: canAct && ConsoleQueries.liveStates.contains(job.state))
            }
            func href(offset: Int) -> String {
                "/ui/jobs" + Self.query([("state", state), ("destination", destinationID.map(String.init)), ("offset", offset > 0 ? String(offset) : nil)])
            }
            return pages.renderer.render(
                "jobs",
                JobsPage(
                    chrome: ConsoleChrome(title: "Jobs", section: "/ui/jobs", viewer: viewer, notice: ConsoleNotice.message(request)),
                    states: ConsoleQueries.states.map { Option(value: $0, label: Self.stateLabels[$0] ?? $0, selected: $0 == state) },
                    destinations: destinations.map { Option(value: String($0.id), label: $0.name, selected: $0.id == destinationID) },
                    state: state, destination: destinationID.map(String.init), rows: Array(rows), canAct: canAct && !rows.isEmpty,
                    bulkRetry: canAct && !rows.isEmpty && (state == "failed" || state == "cancelled"),
                    bulkCancel: canAct && !rows.isEmpty && live,
                    whenLabel: live ? "Next attempt" : "Finished",
                    previousHref: offset > 0 ? href(offset: max(0, offset - limit)) : nil,
                    nextHref: jobs.count > limit ? href(offset: offset + limit) : nil, paged: offset > 0 || jobs.count > limit))
        }

        // Step one of every job action: say exactly how many jobs it will touch.
        post(router, "/ui/jobs/action", role: .operator) { _, _, viewer, form in
            let state = form.value("state").flatMap { ConsoleQueries.states.contains($0) ? $0 : nil }
            let destinationID = form.value("destination").flatMap { Int64($0) }
            let action: String
            var ids: [Int64]
            if let one = form.value("retry_one").flatMap({ Int64($0) }) {
                (action, ids) = ("retry", [one])
            } else if let one = form.value("cancel_one").flatMap({ Int64($0) }) {
                (action, ids) = ("cancel", [one])
            } else if let all = form.value("all"), all == "retry" || all == "cancel", let state {
                action = all
                ids = try await ConsoleQueries(pool: pages.services.pool).jobs(
                    state: state, destinationID: destinationID, limit: Self.maxBulkJobs, offset: 0
                ).map(\.id)
            } else if let chosen = form.value("action"), chosen == "retry" || chosen == "cancel" {
                action = chosen
                ids = form.values("id").compactMap { Int64($0) }.filter { $0 > 0 }
            } else {
                throw ConsoleError(.unprocessableContent, "Choose an action.")
            }
            ids = Array(Set(ids)).sorted()
            let back = "/ui/jobs" + Self.query([("state", state), ("destination", destinationID.map(String.init))])
            guard !ids.isEmpty else {
                throw ConsoleError(.unprocessableContent, "No jobs selected: tick the jobs to \(action) first.")
            }
            guard ids.count <= Self.maxBulkJobs else {
                throw ConsoleError(.unprocessableContent, "At most \(Self.maxBulkJobs) jobs at once; narrow the filter.")
            }
            let shown = ids.prefix(30).map(String.init).joined(separator: ", ") + (ids.count > 30 ? " and \(ids.count - 30) more" : "")
            return pages.renderer.render(
                "jobs-confirm",
                JobsConfirmPage(
                    chrome: ConsoleChrome(title: "Confirm", section: "/ui/jobs", viewer: viewer), action: action,
                    verb: action == "retry" ? "Retry" : "Cancel", count: ids.count, plural: ids.count != 1, ids: ids,
                    shownIDs: shown, state: state, destination: destinationID.map(String.init), backHref: back,
                    danger: action == "cancel"))
        }

        post(router, "/ui/jobs/confirm", role: .operator) { _, _, viewer, form in
            let ids = Array(Set(form.values("id").compactMap { Int64($0) }.filter { $0 > 0 })).sorted()
            guard (1...Self.maxBulkJobs).contains(ids.count) else {
                throw ConsoleError(.unprocessableContent, "List 1 to \(Self.maxBulkJobs) jobs.")
            }
            let operations = ForwardOperations(queue: JobQueue(pool: pages.services.pool, logger: pages.services.logger))
            let affected: [Int64]
            let notice: String
            switch form.value("action") {
            case "retry":
                affected = try await operations.retry(ids, actor: viewer.forwardActor)
                notice = "retried"
            case "cancel":
                affected = try await operations.cancel(ids, actor: viewer.forwardActor)
                notice = "cancelled"
            default:
                throw ConsoleError(.unprocessableContent, "Choose retry or cancel.")
            }
            let state = form.value("state").flatMap { ConsoleQueries.states.contains($0) ? $0 : nil }
            return ConsoleRoutes.redirect(
                to: "/ui/jobs" + Self.query([
                    ("state", state), ("destination", form.value("destination").flatMap { Int64($0) }.map(String.init)),
                    ("notice", notice), ("count", String(affected.count)), ("of", String(ids.count)),
                ]))
        }
    }
}
