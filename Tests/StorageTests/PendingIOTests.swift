import Foundation
import NIOPosix
@testable import Storage
import Synchronization
import Testing

@Suite("Blocking work started now, awaited later")
struct PendingIOTests {
    @Test func theResultIsHandedToEveryoneWhoWaitsBeforeOrAfterItIsReady() async throws {
        let io = BlockingIO()
        let gate = DispatchSemaphore(value: 0)
        let pending = io.start { () throws(StorageError) -> Int in
            gate.wait()
            return 42
        }
        #expect(!pending.isDone)
        #expect(pending.finishedAt == nil)
        async let first = pending.value
        async let second = pending.value
        gate.signal()
        #expect(try await first == 42)
        #expect(try await second == 42)
        #expect(pending.isDone)
        #expect(pending.finishedAt != nil)
        // Already done: returns without waiting.
        #expect(try await pending.value == 42)
    }

    @Test func aFailureReachesTheWaiterAsItsError() async throws {
        let pending = BlockingIO().start { () throws(StorageError) -> Int in
            throw StorageError(.diskFull, "no space")
        }
        do {
            _ = try await pending.value
            Issue.record("the failure was lost")
        } catch {
            #expect(error.code == .diskFull)
        }
    }

    @Test func aPoolThatIsShutDownFailsTheWorkInsteadOfLosingIt() async throws {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        try await pool.shutdownGracefully()
        let ran = Atomic(false)
        let pending = BlockingIO(threadPool: pool).start { () throws(StorageError) in ran.store(true, ordering: .relaxed) }
        await #expect(throws: StorageError.self) { try await pending.value }
        let didRun = ran.load(ordering: .relaxed)
        #expect(!didRun)
    }
}
