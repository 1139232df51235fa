import NIOCore

/// Runs tasks that prefer it on one event loop's thread.
///
/// A sender awaiting each C-STORE response on its association's event loop resumes where the
/// response was read and writes the next request from the same thread: no hand-off to the
/// cooperative pool and back per object. Code preferring it must not block.
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
