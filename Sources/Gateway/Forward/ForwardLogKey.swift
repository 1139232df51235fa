/// Structured logging metadata keys of forwarding.
enum ForwardLogKey {
    /// The destination's name.
    static let destination = "forward.destination"
    /// A job id.
    static let jobID = "job.id"
    /// A C-STORE status, four hex digits.
    static let status = "forward.status"
    /// An error text.
    static let error = "forward.error"
}
