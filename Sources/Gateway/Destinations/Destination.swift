public import DICOMNetwork
import Foundation

/// A remote DICOM node the gateway forwards to (one row of `dicom_gw.destinations`).
public struct Destination: Sendable, Hashable {
    /// The row id; 0 for one not yet stored.
    public var id: Int64 = 0
    /// Unique name operators use (`pacs`).
    public var name: String
    /// The peer's AE title (the called AE).
    public var aeTitle: String
    /// Host name or address.
    public var host: String
    /// TCP port.
    public var port: Int
    /// Our AE title towards this peer; nil: the gateway's own.
    public var callingAETitle: String?
    /// Use DICOM-TLS.
    public var tlsEnabled = false
    /// PEM CA bundle the peer's certificate is verified against.
    public var tlsCAFile: String?
    /// PEM client certificate presented to the peer.
    public var tlsCertificateFile: String?
    /// PEM key of the client certificate.
    public var tlsKeyFile: String?
    /// With TLS, also check that the peer's certificate names `host` (a DNS subjectAltName, or
    /// an IP one when `host` is an address), not only that a trusted CA signed it. True for new
    /// destinations; rows that existed before schema version 11 were migrated with false.
    public var tlsVerifyHostname = true
    /// Config sync only: the file's line did not say `tls_verify_hostname`, so an existing row
    /// keeps its stored value (a destination declared before schema 11 keeps working as it
    /// did) while a new row takes ``tlsVerifyHostname``.
    var tlsVerifyHostnameUndeclared = false
    /// Associations open at once towards this peer over all workers.
    public var maxAssociations = 2
    /// Objects sent on one association before it is released.
    public var maxObjectsPerAssociation = 100
    /// Attempts before a transiently failing object is dead-lettered.
    public var maxAttempts = 10
    /// First retry delay, in seconds (doubles each retry).
    public var retryInitialDelay: Double = 10
    /// Longest retry delay, in seconds.
    public var retryMaxDelay: Double = 3600
    /// Consecutive connection failures that open the circuit breaker.
    public var breakerThreshold = 3
    /// How long the open breaker pauses the destination, in seconds.
    public var breakerPause: Double = 30
    /// Disabled destinations receive no new jobs.
    public var enabled = true
    /// Paused destinations keep their jobs waiting.
    public var paused = false
    /// `operator` (CLI, API) or `config` (the configuration file, which wins at start-up).
    public var source = "operator"
    /// Free text.
    public var description: String?

    /// A destination with defaults for everything but its address.
    public init(name: String, aeTitle: String, host: String, port: Int) {
        self.name = name
        self.aeTitle = aeTitle
        self.host = host
        self.port = port
    }

    /// The job queue lane of this destination.
    public var lane: String { Self.lane(for: id) }

    /// The lane name for destination `id`.
    public static func lane(for id: Int64) -> String { "destination:\(id)" }

    /// The TLS settings for connecting to it, or nil for plain TCP.
    public var tlsSettings: TLSSettings? {
        guard tlsEnabled else { return nil }
        return TLSSettings(
            certificateChainPath: tlsCertificateFile, privateKeyPath: tlsKeyFile, trustRootsPath: tlsCAFile,
            verifyHostname: tlsVerifyHostname)
    }

    /// Checks the values the schema would refuse, with a message an operator can act on.
    /// - Throws: ``ForwardError`` with code `invalidArgument`.
    public func validate() throws {
        let nameOK = name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", options: .regularExpression) != nil
        guard nameOK else { throw ForwardError(.invalidArgument, "destination name '\(name)' must be 1-64 of A-Z a-z 0-9 . _ -") }
        for (label, ae) in [("AE title", aeTitle), ("calling AE title", callingAETitle ?? "X")] {
            guard (1...16).contains(ae.count), !ae.contains("\\"), ae.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) else {
                throw ForwardError(.invalidArgument, "\(label) '\(ae)' must be 1-16 printable characters without a backslash")
            }
        }
        guard (1...65535).contains(port) else { throw ForwardError(.invalidArgument, "port \(port) is outside 1-65535") }
        guard !host.isEmpty else { throw ForwardError(.invalidArgument, "host is empty") }
        guard (1...64).contains(maxAssociations) else { throw ForwardError(.invalidArgument, "max associations must be 1-64") }
        guard maxObjectsPerAssociation >= 1, maxAttempts >= 1, breakerThreshold >= 1 else {
            throw ForwardError(.invalidArgument, "max objects, max attempts and breaker threshold must be at least 1")
        }
    }
}
