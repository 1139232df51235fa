import Foundation
import HTTPTypes
import Hummingbird

extension ConsolePages {
    struct TLSPage {
        struct Installed {
            let subject: String
            let issuer: String
            let notBefore: String
            let notAfter: String
            let status: Badge
            let fingerprint: String
            let chainLength: Int
            let caCertificates: Int
        }
        let chrome: ConsoleChrome
        let configured: Bool
        let installed: Installed?
        let problem: String?
        let canUpload: Bool
        let errors: [String: String]
    }

    func registerTLS(on router: Router<AdminRequestContext>) {
        let pages = self

        get(router, "/ui/tls") { request, _, viewer in
            try await pages.tlsPage(viewer, notice: ConsoleNotice.message(request))
        }

        post(router, "/ui/tls", role: .admin, maxBytes: 4 * TLSMaterialStore.maxPEMBytes) { _, _, viewer, form in
            guard let store = pages.console.tlsStore else {
                throw ConsoleError(.conflict, "TLS is not configured (tls.certificate_file and tls.key_file in the configuration).")
            }
            var errors: [String: String] = [:]
            func pem(_ name: String, required: Bool) -> String? {
                guard let file = form.file(name) else {
                    if required { errors[name] = "choose a PEM file" }
                    return nil
                }
                guard file.data.count <= TLSMaterialStore.maxPEMBytes else {
                    errors[name] = "at most \(TLSMaterialStore.maxPEMBytes / 1024) KiB"
                    return nil
                }
                return String(decoding: file.data, as: UTF8.self)
            }
            let certificate = pem("certificate", required: true)
            let key = pem("key", required: true)
            let ca = pem("ca", required: false)
            guard errors.isEmpty, let certificate, let key else {
                return try await pages.tlsPage(viewer, error: "Choose the certificate and key files.", errors: errors, status: .unprocessableContent)
            }
            // Installed and audited exactly as the API's PUT /api/v1/tls does.
            do {
                let status = try await store.install(certificatePEM: certificate, keyPEM: key, caPEM: ca)
                try await pages.services.auditLog.record(
                    AuditEvent(actor: viewer.actor, action: AuditAction.tlsChanged, objectType: "tls_certificate",
                               objectID: status.sha256Fingerprint,
                               details: ["subject": .string(status.subject), "not_after": .string(ISO8601DateFormatter().string(from: status.notValidAfter))]))
            } catch let error as ResourceError {
                try await pages.services.auditLog.record(
                    AuditEvent(actor: viewer.actor, action: AuditAction.tlsChanged, objectType: "tls_certificate",
                               outcome: .failure, details: ["reason": .string(error.message)]))
                return try await pages.tlsPage(viewer, error: "Not installed: \(error.message).", status: .unprocessableContent)
            }
            return ConsoleRoutes.redirect(to: "/ui/tls?notice=tls-installed")
        }
    }

    func tlsPage(
        _ viewer: ConsoleViewer, notice: String? = nil, error: String? = nil, errors: [String: String] = [:],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var installed: TLSPage.Installed?
        var problem: String?
        if let store = console.tlsStore {
            do {
                let s = try await store.status()
                let days = Int(s.daysToExpiry.rounded(.down))
                installed = .init(
                    subject: s.subject, issuer: s.issuer, notBefore: ConsoleFormat.time(s.notValidBefore) ?? "",
                    notAfter: ConsoleFormat.time(s.notValidAfter) ?? "",
                    status: s.daysToExpiry < 0 ? .bad("expired") : s.daysToExpiry < 14 ? .bad("\(days) days left") : s.daysToExpiry < 45 ? .warn("\(days) days left") : .ok("\(days) days left"),
                    fingerprint: s.sha256Fingerprint, chainLength: s.chainLength, caCertificates: s.caCertificates)
            } catch let error as ResourceError {
                problem = error.message
            }
        }
        return renderer.render(
            "tls",
            TLSPage(
                chrome: ConsoleChrome(title: "TLS", section: "/ui/tls", viewer: viewer, notice: notice, error: error),
                configured: console.tlsStore != nil, installed: installed, problem: problem,
                canUpload: viewer.can(.admin) && console.tlsStore != nil, errors: errors),
            status: status)
    }
}
