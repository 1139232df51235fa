import Synchronization

/// Wakes idle claim loops: a notification arrived, a poll interval passed, or the worker is
/// stopping. A generation counter closes the gap between an empty claim and the wait.
final class WakeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var stopped = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
        // Timers that fired before their waiter registered.
        var expired: Set<UInt64> = []
    }

    private let state = Mutex(State())

    /// The current generation; pass it to ``wait(after:timeout:)``.
    var generation: UInt64 { state.withLock { $0.generation } }

    var isStopped: Bool { state.withLock { $0.stopped } }

    /// How many are waiting now (for tests).
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Wakes every waiter.
    func signal() {
        let waiters = state.withLock { s in
            s.generation &+= 1
            let w = s.waiters
            s.waiters = [:]
            return w
        }
        for w in waiters.values { w.resume() }
    }

    /// Wakes the longest waiting waiter, if any. Loops that are busy see the new generation
    /// and claim again before they wait.
    func signalOne() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.generation &+= 1
            guard let first = s.waiters.keys.min() else { return nil }
            return s.waiters.removeValue(forKey: first)
        }
        waiter?.resume()
    }

    /// Wakes every waiter for good: later waits return at once.
    func stop() {
        let waiters = state.withLock { s in
            s.stopped = true
            s.generation &+= 1
            let w = s.waiters
            s.waiters = [:]
            return w
        }
        for w in waiters.values { w.resume() }
    }

    /// Waits until a signal newer than `generation`, a stop, or `timeout`.
    func wait(after generation: UInt64, timeout: Duration) async {
        let id = state.withLock { s -> UInt64 in
            s.nextWaiter &+= 1
            return s.nextWaiter
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.resume(id)
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.stopped || s.generation != generation { return true }
                if s.expired.remove(id) != nil { return true }
                s.waiters[id] = continuation
                return false
            }
            if now { continuation.resume() }
        }
        timer.cancel()
        state.withLock { _ = $0.expired.remove(id) }
    }

    private func resume(_ id: UInt64) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let w = s.waiters.removeValue(forKey: id) { return w }
            s.expired.insert(id)
            return nil
        }
        waiter?.resume()
    }
}
