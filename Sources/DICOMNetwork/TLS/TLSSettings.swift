public import NIOSSL

/// TLS for DICOM connections (PS3.15 Annex B.9, BCP 195 / RFC 8996 profile).
///
/// TLS 1.2 or later only; for TLS 1.2 only ECDHE key exchange with AES-GCM (and
/// ChaCha20-Poly1305); TLS 1.3 suites are all acceptable. Certificates and keys are PEM files.
public struct TLSSettings: Sendable, Hashable {
    /// Our certificate chain (PEM); required for a server, optional for a client (mutual TLS).
    public var certificateChainPath: String?
    /// The private key for `certificateChainPath` (PEM).
    public var privateKeyPath: String?
    /// CA certificates (PEM) used to verify the peer; `nil` means the system trust store.
    public var trustRootsPath: String?
    /// Server: require and verify a client certificate against `trustRootsPath` (mutual TLS).
    public var requireClientCertificate: Bool
    /// Client: also check that the server certificate names the host connected to.
    public var verifyHostname: Bool

    /// The TLS 1.2 cipher suites of the BCP 195 profile.
    public static let bcp195CipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    /// Creates TLS settings.
    public init(
        certificateChainPath: String? = nil,
        privateKeyPath: String? = nil,
        trustRootsPath: String? = nil,
        requireClientCertificate: Bool = false,
        verifyHostname: Bool = false
    ) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        self.trustRootsPath = trustRootsPath
        self.requireClientCertificate = requireClientCertificate
        self.verifyHostname = verifyHostname
    }

    /// Builds the server-side context.
    /// - Throws: `NIOSSLError` or an I/O error if a PEM file cannot be read; `AssociationError`
    ///   (`.tlsFailed`) if the certificate or key is missing.
    public func makeServerContext() throws -> NIOSSLContext {
        guard let certificateChainPath, let privateKeyPath else {
            throw AssociationError(code: .tlsFailed, message: "a TLS listener needs a certificate and a private key")
        }
        let chain = try NIOSSLCertificate.fromPEMFile(certificateChainPath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        self.applyProfile(&configuration)
        if self.requireClientCertificate {
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = try self.trustRoots()
            configuration.sendCANameList = true
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Builds the client-side context.
    /// - Throws: `NIOSSLError` or an I/O error if a PEM file cannot be read.
    public func makeClientContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        self.applyProfile(&configuration)
        configuration.trustRoots = try self.trustRoots()
        configuration.certificateVerification = self.verifyHostname ? .fullVerification : .noHostnameVerification
        if let certificateChainPath, let privateKeyPath {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateChainPath).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: privateKeyPath, format: .pem))
        }
        return try NIOSSLContext(configuration: configuration)
    }

    private func applyProfile(_ configuration: inout TLSConfiguration) {
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuiteValues = Self.bcp195CipherSuites
    }

    private func trustRoots() throws -> NIOSSLTrustRoots {
        guard let trustRootsPath else { return .default }
        return .certificates(try NIOSSLCertificate.fromPEMFile(trustRootsPath))
    }
}
