/// The audit action names in use, in one place so reports can rely on them.
///
/// Other modules may record actions not listed here; keep the `subsystem.verb` shape.
public enum AuditAction {
    public static let loginSucceeded = "user.login"
    public static let loginFailed = "user.login_failed"
    public static let logout = "user.logout"
    public static let userCreated = "user.create"
    public static let userPasswordChanged = "user.password"
    public static let userRoleChanged = "user.role"
    public static let userDisabled = "user.disable"
    public static let userEnabled = "user.enable"
    public static let tokenCreated = "token.create"
    public static let tokenRevoked = "token.revoke"
    // Destinations and routes: the names DestinationStore and RouteStore record, for the
    // CLI and the API alike.
    public static let destinationCreated = "destination.add"
    public static let destinationUpdated = "destination.update"
    public static let destinationDeleted = "destination.remove"
    public static let destinationSynced = "destination.sync"
    /// Dropped from the configuration file with jobs, deliveries or routes left: disabled,
    /// paused and handed to the operator.
    public static let destinationRetired = "destination.retire"
    public static let destinationPaused = "destination.pause"
    public static let destinationResumed = "destination.resume"
    public static let destinationEchoed = "destination.echo"
    public static let routeCreated = "route.add"
    public static let routeUpdated = "route.update"
    public static let routeDeleted = "route.remove"
    public static let routeSynced = "route.sync"
    public static let auditVerified = "audit.verify"
    public static let auditPurged = "audit.purge"
    public static let associationAccepted = "association.accepted"
    public static let associationRejected = "association.rejected"
    public static let objectStored = "object.stored"
    public static let objectDuplicate = "object.duplicate"
    public static let objectRefused = "object.refused"
    public static let jobDeadLettered = "job.dead_lettered"
    public static let jobRetried = "job.retry"
    public static let jobCancelled = "job.cancel"
    public static let tlsChanged = "tls.update"
    public static let storageRepaired = "storage.repair"
    public static let storageCleaned = "storage.cleanup"
}
