@testable import JobQueue
import Synchronization
import Testing

@Suite("WakeSignal, as a value")
struct WakeSignalTests {
    @Test("signalOne wakes one waiter, signal wakes the rest; a stale generation returns at once")
    func wakeOneThenAll() async throws {
        let wake = WakeSignal()
        let woken = Mutex(0)
        let generation = wake.generation
        let waiters = (0..<2).map { _ in
            Task {
                await wake.wait(after: generation, timeout: .seconds(60))
                woken.withLock { $0 += 1 }
            }
        }
        // Both registered: poll (with a generous bound) rather than guess a delay.
        for _ in 0..<200 where wake.waiterCount < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(wake.waiterCount == 2)
        wake.signalOne()
        for _ in 0..<200 where woken.withLock({ $0 }) < 1 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(woken.withLock { $0 } == 1)
        #expect(wake.waiterCount == 1)
        wake.signal()
        for w in waiters { await w.value }
        #expect(woken.withLock { $0 } == 2)
        // A waiter whose generation is already old does not sleep.
        await wake.wait(after: generation, timeout: .seconds(60))
        #expect(wake.generation != generation)
    }
}
