import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A self-pipe that wakes a thread blocked in `poll`, and remembers that it was signalled.
///
/// `@unchecked Sendable` is sound because both descriptors and the flags are read and written
/// only under `lock`, and the descriptors are closed exactly once (``close()``), after which
/// ``signal()`` no longer writes.
final class WakePipe: @unchecked Sendable {
    private let lock = NIOLock()
    private var fds: (read: Int32, write: Int32)?
    private var signalled = false

    init() throws {
        var pair: [Int32] = [-1, -1]
        guard pipe(&pair) == 0 else {
            throw PostgresError(code: .client, message: "pipe() failed: errno \(errno)")
        }
        for fd in pair {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        fds = (pair[0], pair[1])
    }

    /// The descriptor to poll for readability (-1 once closed).
    var readDescriptor: Int32 { lock.withLock { fds?.read ?? -1 } }

    /// True once ``signal()`` was called.
    var isSignalled: Bool { lock.withLock { signalled } }

    /// Wakes the polling thread and marks the pipe signalled. Safe from any thread, any time.
    func signal() {
        lock.withLock {
            signalled = true
            if let fds {
                var byte: UInt8 = 1
                _ = write(fds.write, &byte, 1)
            }
        }
    }

    /// Closes both ends. Idempotent.
    func close() {
        lock.withLock {
            if let fds {
                _ = Glibc.close(fds.read)
                _ = Glibc.close(fds.write)
            }
            fds = nil
        }
    }

    deinit { close() }
}
