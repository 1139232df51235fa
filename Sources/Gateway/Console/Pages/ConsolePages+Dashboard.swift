import HTTPTypes
import Foundation
import Hummingbird
import NIOPosix

extension ConsolePages {
    struct DashboardPage {
        struct Queue {
            let name: String
            let href: String
            let waiting: Int
            let running: Int
            let oldestWait: String?
            let status: Badge
        }
        struct Problem {
            let name: String
            let href: String
            let status: Badge
            let detail: String?
        }
        struct DeadLetter {
            let id: Int64
            let destination: String?
            let finishedAt: String?
            let error: String?
            let studyHref: String?
        }
        struct Disk {
            let path: String
            let used: String
            let total: String
            let available: String
            let percent: Int
            let status: Badge
        }
        struct Certificate {
            let label: String
            let detail: String?
            let expiry: String
            let status: Badge
        }
        let chrome: ConsoleChrome
        let chart: String
        let receivedTotal: Int
        let forwardedTotal: Int
        let queues: [Queue]
        let problems: [Problem]
        let deadLetters: [DeadLetter]
        let jobsHref: String
        let disk: Disk?
        let diskMessage: String?
        let certificates: [Certificate]
    }

    /// A coloured status label.
    struct Badge: Sendable {
        let label: String
        let cls: String

        static func ok(_ label: String) -> Badge { Badge(label: label, cls: "ok") }
        static func warn(_ label: String) -> Badge { Badge(label: label, cls: "warn") }
        static func bad(_ label: String) -> Badge { Badge(label: label, cls: "bad") }
        static func neutral(_ label: String) -> Badge { Badge(label: label, cls: "") }
    }

    /// The status badge of a destination: disabled, paused, held by the breaker, failing, OK.
    static func badge(_ d: ConsoleQueries.DestinationState) -> Badge {
        if !d.enabled { return .neutral("disabled") }
        if d.paused { return .warn("paused") }
        if d.lanePausedUntil != nil { return .warn("held: connection failures") }
        if d.connectionFailures > 0 { return .bad("failing") }
        if d.failedLastDay > 0 { return .bad("\(d.failedLastDay) failed today") }
        return .ok("OK")
    }

    func registerDashboard(on router: Router<AdminRequestContext>) {
        let pages = self
        get(router, "/ui/") { request, _, viewer in
            let queries = ConsoleQueries(pool: pages.services.pool)
            let hourly = try await queries.hourlyCounts()
            let hourFormatter = DateFormatter()
            hourFormatter.locale = Locale(identifier: "en_US_POSIX")
            hourFormatter.timeZone = TimeZone(identifier: "UTC")
            hourFormatter.dateFormat = "HH:00"
            let chart = BarChart(buckets: hourly.map {
                BarChart.Bucket(label: hourFormatter.string(from: $0.hour), received: $0.received, forwarded: $0.forwarded)
            })
            let states = try await queries.destinationStates()
            let queues = states.map { d in
                DashboardPage.Queue(
                    name: d.name, href: "/ui/jobs?destination=\(d.id)", waiting: d.waiting, running: d.running,
                    oldestWait: d.oldestWaitSeconds.map { ConsoleFormat.duration(seconds: $0) }, status: Self.badge(d))
            }
            let problems = states.filter { $0.isPaused || $0.isFailing }.map { d in
                DashboardPage.Problem(
                    name: d.name, href: "/ui/destinations/\(d.id)", status: Self.badge(d),
                    detail: ConsoleFormat.clip(d.lastError) ?? d.pauseReason)
            }
            let dead = try await queries.jobs(state: "failed", destinationID: nil, limit: 8, offset: 0).map { job in
                DashboardPage.DeadLetter(
                    id: job.id, destination: job.destination, finishedAt: ConsoleFormat.time(job.finishedAt),
                    error: ConsoleFormat.clip(job.lastError), studyHref: job.studyInstanceUID.map { "/ui/studies/\($0)" })
            }
            var disk: DashboardPage.Disk?
            var diskMessage: String?
            if let root = pages.console.storageRoot {
                if let usage = await DiskUsage.of(root) {
                    let percent = Int((usage.usedFraction * 100).rounded())
                    disk = DashboardPage.Disk(
                        path: root, used: ConsoleFormat.bytes(usage.totalBytes - usage.availableBytes),
                        total: ConsoleFormat.bytes(usage.totalBytes), available: ConsoleFormat.bytes(usage.availableBytes),
                        percent: percent, status: percent >= 90 ? .bad("\(percent)% used") : percent >= 75 ? .warn("\(percent)% used") : .ok("\(percent)% used"))
                } else {
                    diskMessage = "The storage root \(root) cannot be read."
                }
            } else {
                diskMessage = "This process has no storage root configured."
            }
            return pages.renderer.render(
                "dashboard",
                DashboardPage(
                    chrome: ConsoleChrome(title: "Dashboard", section: "/ui/", viewer: viewer, notice: ConsoleNotice.message(request)),
                    chart: chart.svg, receivedTotal: hourly.reduce(0) { $0 + $1.received },
                    forwardedTotal: hourly.reduce(0) { $0 + $1.forwarded }, queues: queues, problems: problems,
                    deadLetters: dead, jobsHref: "/ui/jobs?state=failed", disk: disk, diskMessage: diskMessage,
                    certificates: await pages.certificates()))
        }
    }

    /// Expiry of the DICOM listener's certificate and of every certificate file the gauges watch.
    func certificates() async -> [DashboardPage.Certificate] {
        func status(_ days: Double) -> Badge {
            let d = Int(days.rounded(.down))
            if days < 0 { return .bad("expired") }
            if days < 14 { return .bad("\(d) days left") }
            if days < 45 { return .warn("\(d) days left") }
            return .ok("\(d) days left")
        }
        var result: [DashboardPage.Certificate] = []
        if let store = console.tlsStore, let installed = try? await store.status() {
            result.append(.init(
                label: "DICOM TLS", detail: installed.subject, expiry: ConsoleFormat.time(installed.notValidAfter) ?? "",
                status: status(installed.daysToExpiry)))
        }
        for path in console.certificatePaths where path != console.tlsStore?.paths.certificate {
            let days = try? await NIOThreadPool.singleton.runIfActive { try ResourceGauges.daysToExpiry(certificateAt: path) }
            if let days {
                result.append(.init(
                    label: path, detail: nil, expiry: ConsoleFormat.time(Date().addingTimeInterval(days * 86_400)) ?? "",
                    status: status(days)))
            } else {
                result.append(.init(label: path, detail: nil, expiry: "cannot be read", status: .bad("unreadable")))
            }
        }
        return result
    }
}
