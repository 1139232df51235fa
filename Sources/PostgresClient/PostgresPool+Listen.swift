extension PostgresPool {
    /// Listens on `channel` with a dedicated connection (not one of the pool's).
    ///
    /// Returns once LISTEN is in effect, so a NOTIFY sent afterwards is delivered. The
    /// sequence reconnects by itself after a connection loss and then yields an event with
    /// ``PostgresNotification/afterReconnect`` set. It ends when the consuming task stops
    /// iterating or is cancelled, or when the pool shuts down.
    /// - Throws: ``PostgresError`` when the first connection or LISTEN fails.
    public func listen(channel: String) async throws -> AsyncThrowingStream<PostgresNotification, any Error> {
        try await listen(channels: [channel])
    }

    /// Listens on several channels with one dedicated connection; see ``listen(channel:)``.
    /// - Throws: ``PostgresError`` when the first connection or LISTEN fails.
    public func listen(channels: [String]) async throws -> AsyncThrowingStream<PostgresNotification, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(
            of: PostgresNotification.self,
            throwing: (any Error).self,
            bufferingPolicy: .bufferingNewest(10_000))
        let timeout = configuration.connectTimeout.components
        let listener = try PostgresListener(
            url: configuration.url,
            channels: channels,
            connectTimeoutSeconds: Int(timeout.seconds) + (timeout.attoseconds > 0 ? 1 : 0),
            logger: logger)
        guard let id = register(listener) else {
            throw PostgresError(code: .poolShutdown, message: "the pool is shut down")
        }
        continuation.onTermination = { _ in listener.stop() }
        do {
            try await listener.start(continuation: continuation) { [weak self] in self?.unregister(id) }
        } catch {
            unregister(id)
            throw error
        }
        return stream
    }
}
