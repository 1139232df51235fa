public import Logging
public import ServiceLifecycle

/// Deletes expired sessions now and then, so the sessions table stays small.
/// Expired sessions are already refused; this is housekeeping only.
public struct SessionSweeper: Service {
    let authenticator: Authenticator
    let interval: Duration
    let logger: Logger

    /// A sweeper running every `interval`.
    public init(authenticator: Authenticator, interval: Duration = .seconds(600), logger: Logger) {
        self.authenticator = authenticator
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let removed = try await authenticator.removeExpiredSessions()
                    if removed > 0 { logger.debug("removed expired sessions", metadata: ["admin.sessions_removed": "\(removed)"]) }
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("removing expired sessions failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
