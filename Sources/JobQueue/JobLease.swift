/// One attempt at a job: the job's id and the lease id its claim minted.
///
/// Complete, fail, snooze and extend present it. When the attempt was superseded (the job
/// was rescued and claimed again, or cancelled) the queue rejects the call and counts a stale
/// completion; the caller must then discard its result.
public struct JobLease: Sendable, Hashable, CustomStringConvertible {
    /// The job's id.
    public var jobID: Int64
    /// The attempt's lease id, unique over all jobs.
    public var leaseID: Int64

    /// A lease.
    public init(jobID: Int64, leaseID: Int64) {
        self.jobID = jobID
        self.leaseID = leaseID
    }

    public var description: String { "job \(jobID) lease \(leaseID)" }
}
