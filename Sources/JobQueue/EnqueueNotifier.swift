import Synchronization

/// Debounces the `pg_notify` of enqueues: per queue, the first enqueue of a window notifies
/// from its own transaction (so the wake-up is sent at its commit); later ones within the
/// window only ask for one trailing notification at the window's end.
///
/// Why: every notifying transaction takes a database-wide lock at commit, so one NOTIFY per
/// enqueue would serialise all enqueuing commits.
final class EnqueueNotifier: Sendable {
    private struct QueueState {
        var windowEnds: ContinuousClock.Instant
        var trailingScheduled: Bool
    }

    private let window: Duration
    private let state = Mutex<[String: QueueState]>([:])

    init(window: Duration) {
        self.window = window
    }

    /// What an enqueue into `queue` should do now.
    enum Decision: Equatable {
        /// Notify from the enqueuing transaction.
        case notifyNow
        /// Send one notification (outside the transaction) after this delay.
        case scheduleTrailing(Duration)
        /// A trailing notification is already scheduled.
        case nothing
    }

    func decide(queue: String, now: ContinuousClock.Instant = .now) -> Decision {
        state.withLock { states in
            guard var s = states[queue], now < s.windowEnds else {
                states[queue] = QueueState(windowEnds: now + window, trailingScheduled: false)
                return .notifyNow
            }
            if s.trailingScheduled { return .nothing }
            s.trailingScheduled = true
            states[queue] = s
            return .scheduleTrailing(s.windowEnds - now)
        }
    }

    /// The trailing notification went out: it opens a new window.
    func trailingSent(queue: String, now: ContinuousClock.Instant = .now) {
        state.withLock { states in
            states[queue] = QueueState(windowEnds: now + window, trailingScheduled: false)
        }
    }
}
