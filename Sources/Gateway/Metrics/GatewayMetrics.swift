import Synchronization
import Metrics
public import Prometheus

/// The gateway's metric names and label names, in one place.
///
/// Emit through swift-metrics with these labels (`Counter(label: GatewayMetrics.objectsReceived)`,
/// dimensions from ``Label``); after ``bootstrap()`` in `main` they are served by `/metrics` in
/// Prometheus text format. Keep the label set of a name fixed: Prometheus wants every series
/// of one metric to carry the same label names.
public enum GatewayMetrics {
    /// Label names.
    public enum Label {
        /// Why an association was rejected (`called_ae`, `calling_ae`, `no_presentation_context`, `capacity`, …).
        public static let reason = "reason"
        /// `accepted` or `rejected`; for forwards `success`, `retry`, `failed`.
        public static let outcome = "outcome"
        /// A C-STORE status in hex (`0000`, `A700`, `C000`, …).
        public static let status = "status"
        /// A destination's name.
        public static let destination = "destination"
        /// The HTTP method.
        public static let method = "method"
        /// The HTTP route template (`/api/v1/users/{id}`), never the raw path.
        public static let route = "route"
        /// The path of a certificate file.
        public static let certificate = "certificate"
    }

    // MARK: Receive (DICOMNetwork / receive service)

    /// Gauge: associations currently open.
    public static let associationsOpen = "dicom_gw_associations_open"
    /// Counter, labels `outcome` (`accepted`/`rejected`) and `reason` (empty when accepted).
    public static let associations = "dicom_gw_associations_total"
    /// Counter: objects received and stored.
    public static let objectsReceived = "dicom_gw_objects_received_total"
    /// Counter: bytes of received objects.
    public static let bytesReceived = "dicom_gw_bytes_received_total"
    /// Counter, label `status`: C-STORE responses sent.
    public static let storeResponses = "dicom_gw_cstore_responses_total"
    /// Timer: from a C-STORE request to its response (data transfer, fsync and commit included).
    public static let storeDuration = "dicom_gw_store_duration_seconds"

    // MARK: Queue and forwarding

    /// Gauge, label `destination`: jobs waiting.
    public static let queueDepth = "dicom_gw_queue_depth"
    /// Gauge, label `destination`: age in seconds of the oldest waiting job.
    public static let queueOldestWait = "dicom_gw_queue_oldest_wait_seconds"
    /// Counter, labels `destination` and `outcome` (`success`, `retry`, `failed`).
    public static let forwards = "dicom_gw_forwards_total"
    /// Timer, label `destination`: one object's forward, from claim to completion.
    public static let forwardDuration = "dicom_gw_forward_duration_seconds"
    /// Gauge, label `destination`: 1 when paused, else 0.
    public static let destinationPaused = "dicom_gw_destination_paused"
    /// Counter: job completions refused because the lease had passed to another worker.
    public static let staleCompletions = "dicom_gw_job_stale_completions_total"
    /// Counter: jobs rescued from expired leases.
    public static let rescues = "dicom_gw_job_rescues_total"

    // MARK: Resources

    /// Gauge: database connections in use.
    public static let databasePoolInUse = "dicom_gw_db_pool_connections_in_use"
    /// Gauge: callers waiting for a database connection now.
    public static let databasePoolWaiting = "dicom_gw_db_pool_waiting"
    /// Counter: times a caller had to wait for a database connection.
    public static let databasePoolWaits = "dicom_gw_db_pool_waits_total"
    /// Gauge: bytes free on the file system of the storage root.
    public static let storageFreeBytes = "dicom_gw_storage_free_bytes"
    /// Gauge, label `certificate`: days until the certificate expires (negative once expired).
    public static let tlsCertificateDaysToExpiry = "dicom_gw_tls_certificate_days_to_expiry"

    // MARK: Admin HTTP

    /// Counter, labels `method`, `route`, `status`.
    public static let httpRequests = "dicom_gw_http_requests_total"
    /// Timer, labels `method`, `route`.
    public static let httpRequestDuration = "dicom_gw_http_request_duration_seconds"

    /// Creates the Prometheus registry and makes it the process-wide metrics backend.
    ///
    /// Call once, early in `main` (swift-metrics allows a single bootstrap per process), and
    /// hand the registry to ``AdminServer`` so `/metrics` serves it.
    /// ``bootstrap()`` the first time, the same registry afterwards: the metrics system may
    /// be bootstrapped only once per process, and tests start several servers.
    public static func bootstrapOnce() -> PrometheusCollectorRegistry {
        sharedRegistry.withLock { registry in
            if let registry { return registry }
            let made = bootstrap()
            registry = made
            return made
        }
    }

    private static let sharedRegistry = Mutex<PrometheusCollectorRegistry?>(nil)

    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(makeFactory(registry: registry))
        return registry
    }

    /// A factory writing into `registry`, with latency buckets suited to the gateway.
    /// Tests use one per registry instead of the global bootstrap.
    public static func makeFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
            .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        return factory
    }
}
