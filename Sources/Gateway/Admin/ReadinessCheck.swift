/// One condition for `/readyz`: the database reachable, the storage root writable, the
/// DICOM listeners bound. The serve command supplies them; each throws when not ready.
public struct ReadinessCheck: Sendable {
    /// The check's name in the `/readyz` answer.
    public var name: String
    /// Returns when ready; throws (with a reason) when not.
    public var check: @Sendable () async throws -> Void

    /// Creates a check.
    public init(name: String, check: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.check = check
    }
}
