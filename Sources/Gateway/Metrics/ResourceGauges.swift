public import Foundation
public import Metrics
public import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gauges read from the system when `/metrics` is scraped: free space under the storage
/// root and days until each TLS certificate expires.
///
/// Reading them at scrape time keeps them exact without a timer; the file-system calls run
/// on NIO's blocking thread pool (a storage root on NFS may stall).
public struct ResourceGauges: Sendable {
    /// The storage root, or nil when this process has none.
    public var storageRoot: String?
    /// Certificate files (PEM) whose expiry to report.
    public var certificatePaths: [String]
    /// More gauges to refresh at each scrape (the database pool's, once it exposes counts).
    public var additionalSamplers: [@Sendable (any MetricsFactory) async -> Void] = []
    let factory: any MetricsFactory
    let threadPool: NIOThreadPool

    /// Creates the sampler, emitting through `factory` (the global one by default).
    public init(
        storageRoot: String?, certificatePaths: [String], factory: any MetricsFactory = MetricsSystem.factory,
        threadPool: NIOThreadPool = .singleton
    ) {
        self.storageRoot = storageRoot
        self.certificatePaths = certificatePaths
        self.factory = factory
        self.threadPool = threadPool
    }

    /// Updates every gauge.
    public func sample() async {
        for sampler in additionalSamplers { await sampler(factory) }
        if let storageRoot, let free = (try? await threadPool.runIfActive({ Self.freeBytes(at: storageRoot) })) ?? nil {
            Gauge(label: GatewayMetrics.storageFreeBytes, factory: factory).record(free)
        }
        for path in certificatePaths {
            let days = try? await threadPool.runIfActive { try Self.daysToExpiry(certificateAt: path) }
            if let days {
                Gauge(
                    label: GatewayMetrics.tlsCertificateDaysToExpiry,
                    dimensions: [(GatewayMetrics.Label.certificate, path)], factory: factory
                ).record(days)
            }
        }
    }

    /// Bytes available to unprivileged users on the file system holding `path`.
    public static func freeBytes(at path: String) -> Int64? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    /// Days from now until the first certificate in the PEM file at `path` expires.
    /// - Throws: when the file cannot be read or holds no certificate.
    public static func daysToExpiry(certificateAt path: String, now: Date = Date()) throws -> Double {
        guard let certificate = try NIOSSLCertificate.fromPEMFile(path).first else {
            throw NIOSSLError.failedToLoadCertificate
        }
        let expiry = Date(timeIntervalSince1970: TimeInterval(certificate.notValidAfter))
        return expiry.timeIntervalSince(now) / 86_400
    }
}
