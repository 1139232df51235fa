import Synchronization

/// A value behind a mutex that closures running in a task group may share (a `Mutex` local
/// cannot be captured by them).
final class Locked<Value>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: sending Value) { mutex = Mutex(value) }

    func withLock<R>(_ body: (inout sending Value) -> sending R) -> sending R { mutex.withLock(body) }
}
