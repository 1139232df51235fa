public import Hummingbird
import HummingbirdTLS
import HummingbirdCore
public import Logging
import NIOSSL

/// The admin HTTP server: health, readiness, metrics and the `/api/v1` API.
///
/// ``makeApplication()`` returns a Hummingbird `Application`, which is a swift-service-lifecycle
/// `Service`: add it to the serve command's `ServiceGroup`.
public struct AdminServer: Sendable {
    /// Where and how the server listens.
    public struct Configuration: Sendable {
        /// The address to bind; loopback by default so the API is not exposed by accident.
        public var host: String = "127.0.0.1"
        /// The port; 0 picks a free one.
        public var port: Int = 8080
        /// PEM certificate chain for HTTPS; HTTPS is on when this and ``tlsKeyPath`` are set.
        public var tlsCertificatePath: String?
        /// PEM private key for HTTPS.
        public var tlsKeyPath: String?
        /// Force the cookie's Secure attribute (behind a TLS-terminating proxy); by default it
        /// is set exactly when the server itself speaks HTTPS.
        public var secureCookies: Bool?

        /// Defaults: 127.0.0.1:8080, plain HTTP.
        public init() {}

        /// The settings from the gateway configuration's `admin` section.
        /// - Throws: ``ResourceError`` when `admin.listen` is not `HOST:PORT`.
        public init(_ admin: GatewayConfiguration.Admin) throws {
            try setListenAddress(admin.listen)
            tlsCertificatePath = admin.tlsCertificateFile
            tlsKeyPath = admin.tlsKeyFile
            secureCookies = admin.secureCookies
        }

        /// Whether the server speaks HTTPS.
        public var tlsEnabled: Bool { tlsCertificatePath != nil && tlsKeyPath != nil }

        /// Parses `HOST:PORT` (`[::1]:8080` for IPv6), as given to `--admin-listen`.
        public mutating func setListenAddress(_ text: String) throws {
            let host: Substring
            let port: Substring
            if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
                host = text[text.index(after: text.startIndex)..<close]
                let rest = text[text.index(after: close)...]
                guard rest.hasPrefix(":") else { throw ResourceError.invalid("admin-listen", "expected [HOST]:PORT") }
                port = rest.dropFirst()
            } else {
                guard let colon = text.lastIndex(of: ":") else { throw ResourceError.invalid("admin-listen", "expected HOST:PORT") }
                host = text[..<colon]
                port = text[text.index(after: colon)...]
            }
            guard !host.isEmpty, let number = Int(port), (0...65535).contains(number) else {
                throw ResourceError.invalid("admin-listen", "expected HOST:PORT with a port from 0 to 65535")
            }
            self.host = String(host)
            self.port = number
        }
    }

    /// The configuration.
    public let configuration: Configuration
    let services: AdminServices
    let readinessChecks: [ReadinessCheck]
    let resourceGauges: ResourceGauges?
    let extraResources: [any AdminResource]
    let tlsStore: TLSMaterialStore?

    /// Creates the server (nothing starts until the application runs).
    /// - Parameters:
    ///   - configuration: address, port and TLS.
    ///   - services: stores and the metrics registry.
    ///   - readinessChecks: what `/readyz` checks.
    ///   - resourceGauges: gauges refreshed at each `/metrics` scrape.
    ///   - tlsStore: the DICOM listener's TLS material, for `/api/v1/tls` (nil: not configured).
    ///   - resources: more API resources (jobs, …) from other modules.
    public init(
        configuration: Configuration = .init(), services: AdminServices, readinessChecks: [ReadinessCheck] = [],
        resourceGauges: ResourceGauges? = nil, tlsStore: TLSMaterialStore? = nil, resources: [any AdminResource] = []
    ) {
        self.tlsStore = tlsStore
        self.configuration = configuration
        self.services = services
        self.readinessChecks = readinessChecks
        self.resourceGauges = resourceGauges
        self.extraResources = resources
    }

    /// The built-in resources, in registration order.
    var resources: [any AdminResource] {
        let cookies = CookieSettings(secure: configuration.secureCookies ?? configuration.tlsEnabled)
        return [
            HealthResource(
                readinessChecks: readinessChecks, registry: services.metricsRegistry, resourceGauges: resourceGauges),
            AuthResource(services: services, cookies: cookies),
            UsersResource(services: services),
            AuditResource(services: services),
            StudiesResource(services: services),
            DestinationsResource(services: services),
            RoutingRulesResource(services: services),
            TLSResource(services: services, store: tlsStore),
            JobsResource(services: services),
        ] + extraResources
    }

    /// The router and the table of every route it serves.
    public func buildRouter() -> (router: Router<AdminRequestContext>, routes: [AdminRoute]) {
        let router = Router(context: AdminRequestContext.self)
        router.add(middleware: HTTPMetricsMiddleware(factory: GatewayMetrics.makeFactory(registry: services.metricsRegistry)))
        router.add(middleware: SecurityHeadersMiddleware(strictTransportSecurity: configuration.secureCookies ?? configuration.tlsEnabled))
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: AuthenticationMiddleware(authenticator: services.authenticator))
        let builder = AdminRouteBuilder(router: router)
        for resource in resources { resource.register(on: builder) }
        ConsoleRoutes(server: self).register(on: router)
        return (router, builder.routes)
    }

    /// The application to run as a service.
    /// - Throws: when the TLS certificate or key cannot be loaded.
    public func makeApplication(logger: Logger? = nil) throws -> Application<RouterResponder<AdminRequestContext>> {
        let router = buildRouter().router
        let server: HTTPServerBuilder
        if let certificatePath = configuration.tlsCertificatePath, let keyPath = configuration.tlsKeyPath {
            let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
            var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            tls.minimumTLSVersion = .tlsv12
            server = try .tls(.http1(), tlsConfiguration: tls)
        } else {
            server = .http1()
        }
        return Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "dicom-gw"),
            logger: logger ?? services.logger)
    }
}
