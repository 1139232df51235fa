@testable import JobQueue
import Synchronization
import Testing

@Suite("WakeSignal, as a value")
struct WakeSignalTests {
    @Test("signalOne wakes one waiter, signal wakes the rest; a stale generation returns at once")
    func wakeOneThenAll() async throws {
        let wake = WakeSignal()
        let woken = Counter()
        let generation = wake.generation
        let waiters = (0..<2).map { _ in
            Task {
                await wake.wait(after: generation, timeout: .seconds(60))
                woken.add()
            }
        }
        // Both registered: poll (with a generous bound) rather than guess a delay.
        for _ in 0..<200 where wake.waiterCount < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(wake.waiterCount == 2)
        wake.signalOne()
        for _ in 0..<200 where woken.value < 1 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(woken.value == 1)
        #expect(wake.waiterCount == 1)
        wake.signal()
        for w in waiters { await w.value }
        #expect(woken.value == 2)
        // A waiter whose generation is already old does not sleep.
        await wake.wait(after: generation, timeout: .seconds(60))
        #expect(wake.generation != generation)
    }
}

/// A count the waiter tasks share.
private final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
