import Logging

/// When each step of one C-STORE ended, counted from the command's arrival: the receive
/// path's profile without a profiler (`dicom-gw serve --log-level trace` logs it per object).
///
/// Steps overlap (the file's fsync runs while the rows are written), so each is reported as
/// the time it ended, not as a duration.
struct StoreTimings {
    /// The steps.
    enum Phase: Int, CaseIterable {
        /// The data set was read from the network, parsed, hashed and written (not synced).
        case received
        /// The digest was complete (the last bytes hashed).
        case hashed
        /// The transaction's first round trip returned: BEGIN, the instance's statement and
        /// the hooks' reads.
        case begun
        /// The rows, jobs and audit statements ran (inside the open transaction).
        case statements
        /// The file's content was durable.
        case fileSynced
        /// The file was in the tree and its directory synced.
        case placed
        /// The transaction committed.
        case committed
        /// The handler returned its status.
        case answered

        var key: String {
            switch self {
            case .received: "store.received_ms"
            case .hashed: "store.hashed_ms"
            case .begun: "store.begun_ms"
            case .statements: "store.statements_ms"
            case .fileSynced: "store.file_synced_ms"
            case .placed: "store.placed_ms"
            case .committed: "store.committed_ms"
            case .answered: "store.answered_ms"
            }
        }
    }

    let start = ContinuousClock.now
    private var ends: [ContinuousClock.Instant?] = Array(repeating: nil, count: Phase.allCases.count)

    /// Notes that `phase` ended at `instant`.
    mutating func mark(_ phase: Phase, at instant: ContinuousClock.Instant = .now) {
        ends[phase.rawValue] = instant
    }

    /// When `phase` ended, if it did.
    func end(of phase: Phase) -> ContinuousClock.Instant? {
        ends[phase.rawValue]
    }

    /// Logs each step's end, in milliseconds since the command arrived, at trace level.
    func log(to logger: Logger) {
        guard logger.logLevel <= .trace else { return }
        var metadata: Logger.Metadata = [:]
        for phase in Phase.allCases {
            guard let end = ends[phase.rawValue] else { continue }
            metadata[phase.key] = "\(Self.milliseconds(end - start))"
        }
        logger.trace("store timings", metadata: metadata)
    }

    /// A duration in milliseconds with three decimals.
    static func milliseconds(_ duration: Duration) -> String {
        let microseconds = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        let whole = microseconds / 1000
        let fraction = String(microseconds % 1000)
        return "\(whole).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
