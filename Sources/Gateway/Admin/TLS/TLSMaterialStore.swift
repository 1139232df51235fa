import Crypto
public import Foundation
public import NIOPosix
import SwiftASN1
import X509

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The DICOM listener's TLS certificate, key and CA bundle: shown, validated, replaced.
///
/// An upload is checked before anything is written: every PEM parses, the key matches the
/// leaf certificate, the certificate is currently valid. Files are then replaced atomically
/// (temporary file, fsync, rename) with mode 0640, the listener's reload hook runs, and if
/// the reload fails the previous files are put back.
public struct TLSMaterialStore: Sendable {
    /// Where the material lives (the configuration's `tls` section).
    public struct Paths: Sendable, Equatable {
        public var certificate: String
        public var key: String
        public var ca: String?

        /// Creates the paths.
        public init(certificate: String, key: String, ca: String?) {
            self.certificate = certificate
            self.key = key
            self.ca = ca
        }
    }

    /// What is installed.
    public struct Status: Sendable, Equatable, Codable {
        public var subject: String
        public var issuer: String
        public var notValidBefore: Date
        public var notValidAfter: Date
        public var daysToExpiry: Double
        public var sha256Fingerprint: String
        public var chainLength: Int
        public var caCertificates: Int

        enum CodingKeys: String, CodingKey {
            case subject, issuer
            case notValidBefore = "not_valid_before"
            case notValidAfter = "not_valid_after"
            case daysToExpiry = "days_to_expiry"
            case sha256Fingerprint = "sha256_fingerprint"
            case chainLength = "chain_length"
            case caCertificates = "ca_certificates"
        }
    }

    /// The largest PEM accepted for one file.
    public static let maxPEMBytes = 256 * 1024

    /// The paths written.
    public let paths: Paths
    let reload: @Sendable () async throws -> Void
    let threadPool: NIOThreadPool

    /// A store writing to `paths`; `reload` makes the listener pick up new files.
    public init(paths: Paths, threadPool: NIOThreadPool = .singleton, reload: @escaping @Sendable () async throws -> Void) {
        self.paths = paths
        self.threadPool = threadPool
        self.reload = reload
    }

    /// The installed certificate's details.
    /// - Throws: ``ResourceError`` when nothing (valid) is installed.
    public func status() async throws -> Status {
        let paths = self.paths
        return try await threadPool.runIfActive {
            guard let certificate = try? String(contentsOfFile: paths.certificate, encoding: .utf8) else {
                throw ResourceError.notFound("TLS certificate")
            }
            let ca = paths.ca.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
            return try Self.describe(chain: try Self.parseCertificates(certificate, field: "certificate_pem"), ca: ca.map { try Self.parseCertificates($0, field: "ca_pem") } ?? [])
        }
    }

    /// Validates and installs new material.
    /// - Returns: the new certificate's details.
    /// - Throws: ``ResourceError`` (invalid PEM, key mismatch, expired), or the reload's error
    ///   after the previous files were restored.
    public func install(certificatePEM: String, keyPEM: String, caPEM: String?, now: Date = Date()) async throws -> Status {
        let chain = try Self.parseCertificates(certificatePEM, field: "certificate_pem")
        let ca = try caPEM.map { try Self.parseCertificates($0, field: "ca_pem") } ?? []
        if caPEM != nil, paths.ca == nil {
            throw ResourceError.invalid("ca_pem", "no CA file is configured (tls.ca_file)")
        }
        guard keyPEM.utf8.count <= Self.maxPEMBytes else { throw ResourceError.invalid("private_key_pem", "too large") }
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: keyPEM)
        } catch {
            throw ResourceError.invalid("private_key_pem", "not a PEM private key (PKCS#8, EC or RSA)")
        }
        guard let leaf = chain.first else { throw ResourceError.invalid("certificate_pem", "no certificate") }
        guard key.publicKey == leaf.publicKey else {
            throw ResourceError.invalid("private_key_pem", "the key does not match the certificate")
        }
        guard leaf.notValidAfter > now else { throw ResourceError.invalid("certificate_pem", "the certificate has expired") }
        guard leaf.notValidBefore <= now.addingTimeInterval(300) else {
            throw ResourceError.invalid("certificate_pem", "the certificate is not valid yet")
        }

        var writes: [(path: String, contents: String)] = [(paths.certificate, certificatePEM), (paths.key, keyPEM)]
        if let caPEM, let caPath = paths.ca { writes.append((caPath, caPEM)) }
        let files = writes
        let previous = try await threadPool.runIfActive {
            let previous = files.map { (path: $0.path, contents: try? Data(contentsOf: URL(fileURLWithPath: $0.path))) }
            for write in files { try Self.atomicWrite(Data(write.contents.utf8), to: write.path) }
            return previous
        }
        do {
            try await reload()
        } catch {
            try await threadPool.runIfActive {
                for file in previous {
                    if let contents = file.contents {
                        try Self.atomicWrite(contents, to: file.path)
                    } else {
                        try? FileManager.default.removeItem(atPath: file.path)
                    }
                }
            }
            throw error
        }
        return try Self.describe(chain: chain, ca: ca, now: now)
    }

    static func describe(chain: [Certificate], ca: [Certificate], now: Date = Date()) throws -> Status {
        guard let leaf = chain.first else { throw ResourceError.invalid("certificate_pem", "no certificate") }
        var serializer = DER.Serializer()
        try serializer.serialize(leaf)
        let fingerprint = SHA256.hash(data: serializer.serializedBytes).map { String(format: "%02X", $0) }.joined(separator: ":")
        return Status(
            subject: leaf.subject.description, issuer: leaf.issuer.description,
            notValidBefore: leaf.notValidBefore, notValidAfter: leaf.notValidAfter,
            daysToExpiry: leaf.notValidAfter.timeIntervalSince(now) / 86_400,
            sha256Fingerprint: fingerprint, chainLength: chain.count, caCertificates: ca.count)
    }

    /// Every CERTIFICATE block of a PEM text, in order.
    static func parseCertificates(_ pem: String, field: String) throws -> [Certificate] {
        guard pem.utf8.count <= maxPEMBytes else { throw ResourceError.invalid(field, "too large") }
        let end = "-----END CERTIFICATE-----"
        var certificates: [Certificate] = []
        var rest = Substring(pem)
        while let range = rest.range(of: end) {
            let block = rest[..<range.upperBound]
            guard let begin = block.range(of: "-----BEGIN CERTIFICATE-----") else { break }
            do {
                certificates.append(try Certificate(pemEncoded: String(block[begin.lowerBound...])))
            } catch {
                throw ResourceError.invalid(field, "certificate \(certificates.count + 1) is not a valid PEM X.509 certificate")
            }
            rest = rest[range.upperBound...]
        }
        guard !certificates.isEmpty else { throw ResourceError.invalid(field, "no PEM certificate found") }
        return certificates
    }

    /// Writes `data` beside `path`, fsyncs, sets 0640, renames over `path`.
    static func atomicWrite(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp-\(UUID().uuidString)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o640)
        guard fd >= 0 else { throw ResourceError.invalid("path", "cannot create \(temporary): errno \(errno)") }
        var ok = true
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { ok = false; return }
                offset += written
            }
        }
        // The umask may have narrowed the mode; set it exactly.
        ok = ok && fchmod(fd, 0o640) == 0 && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ResourceError.invalid("path", "cannot write \(path): errno \(errno)")
        }
    }
}
