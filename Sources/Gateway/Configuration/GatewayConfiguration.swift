public import Logging

/// Everything `dicom-gw serve`, `worker` and the maintenance commands need to know, with the
/// defaults an installed gateway uses.
///
/// Values come, highest priority first, from command-line options, environment variables
/// (`DICOM_GW_` followed by the key in upper case, dots and camel humps as underscores:
/// `database.url` is `DICOM_GW_DATABASE_URL`), the YAML file, then these defaults.
/// `deploy/config/dicom-gw.yaml` documents every key.
public struct GatewayConfiguration: Sendable, Equatable {
    /// The PostgreSQL database.
    public struct Database: Sendable, Equatable {
        /// A libpq connection URL or conninfo string.
        public var url: String = "postgresql:///dicom_gw"
        /// Connections in the pool of each process.
        public var maxConnections: Int = 8
        /// How long to wait for a connection to open or for a free pooled connection before a
        /// request fails (the receive path answers `A700` rather than hang).
        public var connectTimeout: Duration = .seconds(2)

        public init() {}
    }

    /// The storage tree.
    public struct Storage: Sendable, Equatable {
        /// The root holding `storage/`, `incoming/`, `forwarded/`, `failed/`, `tmp/`.
        public var root: String = "/var/lib/dicom-gw"
        /// When running as root, files and directories are given to this user.
        public var serviceUser: String? = nil
        /// What to do when a SOP Instance UID arrives again with different content.
        public var duplicatePolicy: DuplicatePolicy = .keepFirst

        public init() {}
    }

    /// The DICOM listener (plain TCP; TLS in ``TLS``).
    public struct DICOM: Sendable, Equatable {
        /// Our AE title; associations calling another title are rejected.
        public var aeTitle: String = "DICOM_GW"
        /// The address to listen on.
        public var host: String = "0.0.0.0"
        /// The plain DICOM port (11112 is IANA's `dicom`).
        public var port: Int = 11112
        /// Whether the plain (non-TLS) listener runs; false leaves only the TLS one.
        public var plainEnabled: Bool = true
        /// Calling AE titles allowed to associate, each `AE` or `AE@address`; empty allows any.
        public var allowedCallingAETitles: [String] = []
        /// Associations served at once; more are rejected as transient "local limit exceeded".
        public var maxAssociations: Int = 32
        /// The largest P-DATA-TF PDU we accept (our Maximum Length), in bytes.
        public var maxPDULength: Int = 262_144
        /// Bound on the whole association request (ARTIM).
        public var artimTimeout: Duration = .seconds(30)
        /// Bound on waiting for the next DIMSE message within an association.
        public var dimseTimeout: Duration = .seconds(60)
        /// An association silent for this long is aborted.
        public var idleTimeout: Duration = .seconds(120)

        public init() {}
    }

    /// The TLS listener; off unless a certificate and key are configured.
    public struct TLS: Sendable, Equatable {
        /// The DICOM-TLS port (2762 is IANA's `dicom-tls`).
        public var port: Int = 2762
        /// PEM server certificate chain.
        public var certificateFile: String? = nil
        /// PEM private key of the certificate.
        public var keyFile: String? = nil
        /// PEM CA bundle client certificates are verified against.
        public var caFile: String? = nil
        /// Refuse clients without a certificate signed by ``caFile`` (mutual TLS).
        public var requireClientCertificate: Bool = false

        /// Whether the TLS listener runs.
        public var isEnabled: Bool { certificateFile != nil && keyFile != nil }

        public init() {}
    }

    /// The admin HTTP API and web console.
    public struct Admin: Sendable, Equatable {
        /// `HOST:PORT` to listen on; loopback by default.
        public var listen: String = "127.0.0.1:8080"
        /// PEM certificate for HTTPS; plain HTTP when absent.
        public var tlsCertificateFile: String? = nil
        /// PEM key for HTTPS.
        public var tlsKeyFile: String? = nil
        /// Mark the session cookie `Secure` (and send HSTS) although this server speaks plain
        /// HTTP, because a TLS-terminating proxy is in front; nil: exactly when HTTPS is on.
        public var secureCookies: Bool? = nil

        public init() {}
    }

    /// Forward workers running inside `serve`.
    public struct Workers: Sendable, Equatable {
        /// Concurrent forward workers in this process (0 allowed).
        public var count: Int = 2
        /// `HOST:PORT` where `dicom-gw worker` serves `/healthz`, `/readyz` and `/metrics`
        /// (validated at load); nil, the default, serves nothing. Off by default because the
        /// `dicom-gw-worker@N` instances of a host share one file, so any fixed port would
        /// collide from the second instance on. `serve` ignores it: its admin server reports
        /// its own workers.
        public var metricsListen: String? = nil

        public init() {}
    }

    public var database = Database()
    public var storage = Storage()
    public var dicom = DICOM()
    public var tls = TLS()
    public var admin = Admin()
    public var workers = Workers()
    /// Forwarding: worker behaviour and destinations/routes declared in the file.
    public var forward = ForwardConfiguration()
    /// The least severe level logged.
    public var logLevel: Logger.Level = .info
    /// A file the process appends its log lines to instead of standard error (`log.file`);
    /// nil logs to standard error, which journald collects under systemd.
    public var logFile: String?

    public init() {}
}

/// What the receiver does with a SOP Instance UID it already holds. Identical content (the
/// same SHA-256) is never stored twice whatever the policy.
public struct DuplicatePolicy: Sendable, Hashable, CustomStringConvertible {
    public let description: String

    private init(_ name: String) { self.description = name }

    /// Keep the stored object, acknowledge the new one without storing it.
    public static let keepFirst = DuplicatePolicy("keep-first")
    /// Replace the stored object with the new one.
    public static let replace = DuplicatePolicy("replace")
    /// Refuse the new object with a failure status.
    public static let reject = DuplicatePolicy("reject")

    /// Every policy, for validation and help texts.
    public static let all: [DuplicatePolicy] = [.keepFirst, .replace, .reject]

    /// The policy named `name` (`keep-first`, `replace`, `reject`), or nil.
    public init?(name: String) {
        guard let policy = Self.all.first(where: { $0.description == name }) else { return nil }
        self = policy
    }
}
