/// The jobs one claim handed a worker: one lane, one group.
public struct JobBatch: Sendable {
    /// The jobs, in claim order.
    public let jobs: [ClaimedJob]
    /// The queue they came from, for extending leases or reporting early.
    public let queue: JobQueue
    /// The lease length the worker claims with.
    public let leaseDuration: Duration
    /// When the claim that returned these jobs was sent (this process's clock), for
    /// claim-latency measurements.
    public let claimStartedAt: ContinuousClock.Instant

    /// Call on progress (a file sent, bytes moving): moves the deadlines of the batch's
    /// attempts to ``leaseDuration`` from now. A job without progress is rescued when its
    /// deadline passes.
    /// - Returns: the leases lost meanwhile (rescued, cancelled): stop working on those.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func extendLeases() async throws -> [JobLease] {
        try await queue.extend(jobs.map(\.lease), by: leaseDuration)
    }
}
