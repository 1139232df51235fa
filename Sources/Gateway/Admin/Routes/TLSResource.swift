import Foundation
public import Hummingbird

/// `/api/v1/tls`: the DICOM listener's certificate. Viewers see it; admins replace it.
struct TLSResource: AdminResource {
    let services: AdminServices
    let store: TLSMaterialStore?

    struct Upload: Decodable {
        let certificatePEM: String
        let privateKeyPEM: String
        let caPEM: String?

        enum CodingKeys: String, CodingKey {
            case certificatePEM = "certificate_pem"
            case privateKeyPEM = "private_key_pem"
            case caPEM = "ca_pem"
        }
    }

    func register(on routes: AdminRouteBuilder) {
        let store = self.store
        let auditLog = services.auditLog

        routes.add(.get, "/api/v1/tls", access: .role(.viewer)) { _, _ in
            guard let store else { throw APIError.conflict("TLS is not configured (tls.certificate_file, tls.key_file)") }
            return try await store.status()
        }

        routes.add(.put, "/api/v1/tls", access: .role(.admin)) { request, context in
            guard let store else { throw APIError.conflict("TLS is not configured (tls.certificate_file, tls.key_file)") }
            let upload = try await request.decode(as: Upload.self, context: context)
            let actor = try context.auditActor()
            do {
                let status = try await store.install(
                    certificatePEM: upload.certificatePEM, keyPEM: upload.privateKeyPEM, caPEM: upload.caPEM)
                try await auditLog.record(
                    AuditEvent(actor: actor, action: AuditAction.tlsChanged, objectType: "tls_certificate",
                               objectID: status.sha256Fingerprint,
                               details: ["subject": .string(status.subject), "not_after": .string(ISO8601DateFormatter().string(from: status.notValidAfter))]))
                return status
            } catch let error as ResourceError {
                try await auditLog.record(
                    AuditEvent(actor: actor, action: AuditAction.tlsChanged, objectType: "tls_certificate",
                               outcome: .failure, details: ["reason": .string(error.message)]))
                throw error
            }
        }
    }
}

extension TLSMaterialStore.Status: ResponseEncodable {}
