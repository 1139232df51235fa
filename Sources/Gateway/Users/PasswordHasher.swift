import HummingbirdBcrypt
public import NIOPosix

/// Hashes and checks passwords with bcrypt, off the cooperative pool.
///
/// bcrypt is deliberately slow (tens to hundreds of milliseconds at the default cost), so
/// each call runs on NIO's blocking thread pool rather than on a Swift concurrency thread.
public struct PasswordHasher: Sendable {
    /// The bcrypt cost (log2 of the rounds). 12 in production; tests use 4 to stay fast.
    public var cost: UInt8
    private let threadPool: NIOThreadPool

    /// The shortest and longest password accepted. bcrypt reads at most 72 bytes.
    public static let minimumLength = 10
    public static let maximumBytes = 72

    /// A hasher with this cost (clamped to bcrypt's 4…31).
    public init(cost: UInt8 = 12, threadPool: NIOThreadPool = .singleton) {
        self.cost = min(max(cost, 4), 31)
        self.threadPool = threadPool
    }

    /// Checks a new password against the policy; returns a message for the user, or nil.
    public static func policyViolation(_ password: String) -> String? {
        if password.count < minimumLength { return "password must be at least \(minimumLength) characters" }
        if password.utf8.count > maximumBytes { return "password must be at most \(maximumBytes) bytes" }
        if password.utf8.contains(0) { return "password must not contain NUL" }
        return nil
    }

    /// The bcrypt hash of `password`.
    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await threadPool.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`.
    public func verify(_ password: String, hash: String) async throws -> Bool {
        // bcrypt silently truncates at 72 bytes; refuse longer input instead of accepting a prefix.
        guard password.utf8.count <= Self.maximumBytes else { return false }
        return try await threadPool.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Spends the same time as a real check, for unknown usernames, so that response time
    /// does not reveal which accounts exist.
    public func burnVerification(_ password: String) async throws {
        let cost = self.cost
        // Hashing at the same cost takes as long as verifying against a hash of that cost.
        _ = try await threadPool.runIfActive { Bcrypt.hash(password, cost: cost) }
    }
}
