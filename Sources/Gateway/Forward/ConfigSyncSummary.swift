/// What one start-up sync of the configuration file's `forward.destinations` and
/// `forward.routes` did (``ForwardSetup``), beyond writing the declared rows.
public struct ConfigSyncSummary: Sendable, Hashable {
    /// Config routes the file no longer declares, removed.
    public var removedRoutes: [String] = []
    /// Config destinations the file no longer declares, removed (nothing was left on them).
    public var removedDestinations: [String] = []
    /// Config destinations the file no longer declares, kept disabled and paused.
    public var retiredDestinations: [RetiredDestination] = []
    /// The enabled routes after the sync, by priority then name.
    public var enabledRoutes: [String] = []

    /// An empty summary.
    public init() {}
}
