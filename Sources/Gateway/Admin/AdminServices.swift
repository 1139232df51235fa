public import Logging
public import PostgresClient
public import Prometheus

/// What the admin API's resources work with, built once per server.
public struct AdminServices: Sendable {
    /// The database.
    public let pool: PostgresPool
    /// Operator accounts.
    public let users: UserStore
    /// API tokens.
    public let tokens: APITokenStore
    /// Logins, sessions and token checks.
    public let authenticator: Authenticator
    /// Recording audit events.
    public let auditLog: AuditLog
    /// Listing audit events.
    public let auditQuery: AuditQuery
    /// Sealing the audit chain on demand.
    public let auditSealer: AuditSealer
    /// Verifying the audit chain.
    public let auditVerifier: AuditVerifier
    /// Housekeeping of expired sessions (run it in the service group).
    public var sessionSweeper: SessionSweeper {
        SessionSweeper(authenticator: authenticator, logger: logger)
    }
    /// The registry `/metrics` serves.
    public let metricsRegistry: PrometheusCollectorRegistry
    /// Logger for the API.
    public let logger: Logger
    /// Our AE title for echo tests of destinations that do not set their own.
    public let callingAETitle: String
    /// The storage root, when the API runs beside the tree (in `serve`): the route test then
    /// reads each stored file's elements, as the receive path saw them.
    public var storageRoot: String?

    /// Builds the services.
    /// - Parameters:
    ///   - pool: the database pool.
    ///   - hasher: the password hasher (bcrypt cost).
    ///   - policy: login lockout and session lifetime.
    ///   - metricsRegistry: the registry served on `/metrics` (``GatewayMetrics/bootstrap()``'s).
    ///   - callingAETitle: our AE title for destination echo tests (`dicom.ae_title`).
    ///   - logger: the logger.
    public init(
        pool: PostgresPool, hasher: PasswordHasher = .init(), policy: Authenticator.Policy = .init(),
        metricsRegistry: PrometheusCollectorRegistry, callingAETitle: String = "DICOM_GW", logger: Logger
    ) {
        self.callingAETitle = callingAETitle
        self.pool = pool
        self.users = UserStore(pool: pool, hasher: hasher)
        self.tokens = APITokenStore(pool: pool)
        self.authenticator = Authenticator(pool: pool, hasher: hasher, policy: policy, logger: logger)
        self.auditLog = AuditLog(pool: pool)
        self.auditQuery = AuditQuery(pool: pool)
        self.auditSealer = AuditSealer(pool: pool, logger: logger)
        self.auditVerifier = AuditVerifier(pool: pool)
        self.metricsRegistry = metricsRegistry
        self.logger = logger
    }
}

/// A group of admin API routes (one file per resource). Modules built later (jobs, TLS)
/// add theirs through ``AdminServer``'s `resources`.
public protocol AdminResource: Sendable {
    /// Registers this resource's routes.
    func register(on routes: AdminRouteBuilder)
}
