import NIOCore

/// Runs tasks that prefer it on one event loop's thread.
///
/// An association's task prefers its channel's event loop, on both sides:
/// - a sender awaiting each C-STORE response resumes where the response was read and writes
///   the next request from the same thread;
/// - a receiver resumes where each PDU was read and writes its answer from there.
///
/// Neither hands over to the cooperative pool and back per object. Code preferring it must
/// not block: file and database calls go to their thread pools as everywhere else.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
