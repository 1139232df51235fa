/// A destination the configuration file no longer declares that the config sync kept
/// instead of removing, because removing it would cancel its jobs, erase its delivery
/// records or break a route made with the CLI or the API.
///
/// The sync disables and pauses it and hands it to the operator (`source` becomes
/// `operator`): it gets no new jobs, its waiting jobs are held without spending attempts,
/// its delivery records stay, and `dicom-gw destination update` / `remove` (or the API)
/// finish the job. Declaring it again in the file takes it back.
public struct RetiredDestination: Sendable, Hashable {
    /// Its name.
    public var name: String
    /// Jobs of its lane still waiting, retrying or running.
    public var liveJobs: Int
    /// Its rows in the delivery ledger (`dicom_gw.deliveries`), which a removal would erase.
    public var deliveries: Int
    /// Routes made with the CLI or the API that still send to it.
    public var routes: [String]

    /// A retirement record.
    public init(name: String, liveJobs: Int, deliveries: Int, routes: [String]) {
        self.name = name
        self.liveJobs = liveJobs
        self.deliveries = deliveries
        self.routes = routes
    }

    /// The warning `serve` logs: what is left and the commands that finish it.
    public var warning: String {
        var left: [String] = []
        if liveJobs > 0 { left.append("\(liveJobs) waiting or running job(s)") }
        if deliveries > 0 { left.append("\(deliveries) delivery record(s)") }
        if !routes.isEmpty { left.append("route(s) \(routes.joined(separator: ", ")) made with the CLI or API still sending to it") }
        var next: [String] = []
        if liveJobs > 0 { next.append("to send its waiting jobs first: dicom-gw destination update \(name) --paused false") }
        if !routes.isEmpty {
            next.append("to stop those routes sending to it: dicom-gw route remove \(routes.joined(separator: " / ")) (or change them in the API)")
        }
        next.append("to drop it with its jobs and delivery records: dicom-gw destination remove \(name)")
        next.append("to keep it: declare it again in forward.destinations")
        return "destination '\(name)' is no longer declared in the configuration file but has \(left.joined(separator: ", ")): "
            + "kept, disabled and paused, and now managed with the CLI/API (source operator); "
            + next.joined(separator: "; ")
    }
}
