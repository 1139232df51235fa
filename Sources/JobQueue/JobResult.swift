/// What a handler made of one job of its batch.
public enum JobResult: Sendable, Hashable {
    /// Done: the job moves to history.
    case completed
    /// Failed; the kind decides between retry, dead letter and lane pause.
    /// `retryIn` overrides the lane's backoff (or outage pause).
    case failed(JobFailureKind, message: String, retryIn: Duration? = nil)
    /// Could not start (a resource was busy): try again after the delay, attempt given back.
    case snoozed(Duration)
}
