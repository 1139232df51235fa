@testable import JobQueue
import Testing

@Suite("EnqueueNotifier debounce, as a value")
struct EnqueueNotifierTests {
    @Test("first enqueue notifies, later ones in the window ask once for a trailing notification")
    func debounce() {
        let notifier = EnqueueNotifier(window: .milliseconds(100))
        let t0 = ContinuousClock.now
        #expect(notifier.decide(queue: "a", now: t0) == .notifyNow)
        #expect(notifier.decide(queue: "a", now: t0 + .milliseconds(30)) == .scheduleTrailing(.milliseconds(70)))
        #expect(notifier.decide(queue: "a", now: t0 + .milliseconds(60)) == .nothing)
        #expect(notifier.decide(queue: "b", now: t0 + .milliseconds(60)) == .notifyNow, "queues are independent")
        notifier.trailingSent(queue: "a", now: t0 + .milliseconds(100))
        #expect(notifier.decide(queue: "a", now: t0 + .milliseconds(150)) == .scheduleTrailing(.milliseconds(50)))
        #expect(notifier.decide(queue: "a", now: t0 + .milliseconds(301)) == .notifyNow)
    }

    @Test("claim hints keep the highest key per lane")
    func hints() {
        var hints = ClaimHints()
        #expect(hints.isEmpty)
        let a = ClaimHints.Key(priority: 0, runAt: "2026-11-29T06:00:00.000001Z", id: 5)
        let b = ClaimHints.Key(priority: 0, runAt: "2026-11-29T06:00:00.000001Z", id: 9)
        let c = ClaimHints.Key(priority: 1, runAt: "2026-11-29T05:00:00.000000Z", id: 2)
        #expect(a < b && b < c)
        hints.recordKeys([("L", b), ("L", a), ("M", c)])
        let arrays = hints.arrays
        #expect(arrays.lanes == ["L", "M"])
        #expect(arrays.ids == [9, 2])
        #expect(arrays.priorities == [0, 1])
    }
}
