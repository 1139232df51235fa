import DICOM
import Synchronization

/// The set of tags the enabled routes name, shared by the receive tasks of one process and
/// reused for a short while, so asking for it costs no query per object.
final class RoutedTagCache: Sendable {
    private struct State {
        var tags: Set<Tag> = []
        var updatedAt: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    private let maxAge: Duration

    init(maxAge: Duration) { self.maxAge = maxAge }

    /// The cached set while fresh, nil when it is due for a refresh.
    func current() -> Set<Tag>? {
        state.withLock { state in
            guard let at = state.updatedAt, ContinuousClock.now - at < maxAge else { return nil }
            return state.tags
        }
    }

    /// The last set read, fresh or not.
    var last: Set<Tag> { state.withLock { $0.tags } }

    /// Stores a freshly read set and returns it.
    @discardableResult
    func update(_ tags: Set<Tag>) -> Set<Tag> {
        state.withLock { $0 = State(tags: tags, updatedAt: .now) }
        return tags
    }

    /// The tags `conditions` read from the data set (every field but the AE titles).
    static func tags(of conditions: [RouteCondition]) -> Set<Tag> {
        var tags: Set<Tag> = []
        for condition in conditions {
            switch condition.field {
            case "calling_ae", "called_ae": continue
            case "modality": tags.insert(.modality)
            case "sop_class": tags.insert(.sopClassUID)
            default: if let tag = RoutingAttributes.tag(named: condition.field) { tags.insert(tag) }
            }
        }
        return tags
    }
}
