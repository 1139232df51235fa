public import NIOSSL
import Synchronization

/// The TLS context a listener hands to each new connection, replaceable while it runs.
///
/// ``DICOMServer`` reads ``current`` once per accepted connection, so after ``reload(_:)``
/// (or ``replace(with:)``) new associations use the new certificate and key while those
/// already open keep the context they started with. The swap is one pointer under a lock.
public final class TLSContextProvider: Sendable {
    private let context: Mutex<NIOSSLContext>

    /// A provider starting with `context`.
    public init(_ context: NIOSSLContext) {
        self.context = Mutex(context)
    }

    /// A provider starting with the server context of `settings`.
    /// - Throws: as ``TLSSettings/makeServerContext()``.
    public convenience init(settings: TLSSettings) throws {
        self.init(try settings.makeServerContext())
    }

    /// The context for the next connection.
    public var current: NIOSSLContext {
        context.withLock { $0 }
    }

    /// Swaps in `context` for connections accepted from now on.
    public func replace(with context: NIOSSLContext) {
        self.context.withLock { $0 = context }
    }

    /// Rebuilds the server context from `settings` (the PEM files are read again) and swaps
    /// it in; on failure the current context stays.
    /// - Throws: as ``TLSSettings/makeServerContext()``. Reads files: call it off the event loops.
    public func reload(_ settings: TLSSettings) throws {
        replace(with: try settings.makeServerContext())
    }
}
