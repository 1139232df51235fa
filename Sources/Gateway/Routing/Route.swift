/// A routing rule (one row of `dicom_gw.routes` with its destinations): objects that pass
/// every condition go to every destination.
public struct Route: Sendable, Hashable {
    /// How a route sends.
    public struct Mode: Sendable, Hashable, CustomStringConvertible {
        /// The SQL name.
        public let description: String
        private init(_ name: String) { description = name }
        /// Each object as it arrives.
        public static let immediate = Mode("immediate")
        /// Once the study has been quiet for `stableSeconds`.
        public static let studyStable = Mode("study_stable")
        /// The mode named `name` (`immediate`, `study_stable`/`study-stable`), or nil.
        public init?(name: String) {
            switch name {
            case "immediate": self = .immediate
            case "study_stable", "study-stable": self = .studyStable
            default: return nil
            }
        }
    }

    /// The row id; 0 for one not yet stored.
    public var id: Int64 = 0
    /// Unique name.
    public var name: String
    /// Disabled routes match nothing.
    public var enabled = true
    /// Lower is evaluated first (only the order of the explanation).
    public var priority = 100
    /// All must pass; none passes everything.
    public var conditions: [RouteCondition] = []
    /// Immediate or study-stable.
    public var mode: Mode = .immediate
    /// The quiet period of study-stable mode.
    public var stableSeconds = 0
    /// What happens to the file once every route of the object finished: keep, archive, delete.
    public var archivePolicy = "keep"
    /// Destination names.
    public var destinations: [String] = []
    /// `operator` or `config`.
    public var source = "operator"
    /// Free text.
    public var description: String?

    /// A route to `destinations`.
    public init(name: String, destinations: [String]) {
        self.name = name
        self.destinations = destinations
    }

    /// Whether `attributes` pass every condition; the first failing condition otherwise.
    public func evaluate(_ attributes: RoutingAttributes) -> (matches: Bool, failed: RouteCondition?) {
        guard enabled else { return (false, nil) }
        for condition in conditions where !condition.matches(attributes.value(of: condition.field)) {
            return (false, condition)
        }
        return (true, nil)
    }

    /// Archive policies, for validation.
    public static let archivePolicies = ["keep", "archive", "delete"]
}
