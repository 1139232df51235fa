public import Hummingbird

/// `/api/v1/audit…`: the audit log with filters, chain verification, sealing on demand.
struct AuditResource: AdminResource {
    let services: AdminServices

    struct Sealed: ResponseEncodable {
        let sealed: Int
    }

    func register(on routes: AdminRouteBuilder) {
        let services = self.services

        routes.add(.get, "/api/v1/audit", access: .role(.viewer)) { request, _ in
            var query = QueryReader(request)
            let filter = AuditFilter(
                since: query.date("since"),
                until: query.date("until"),
                actor: query.string("actor", maxLength: 64),
                action: query.string("action", maxLength: 64),
                objectType: query.string("object_type", maxLength: 64),
                objectID: query.string("object_id", maxLength: 128),
                outcome: query.choice("outcome", ["success", "failure", "warning"]))
            let page = query.page()
            try query.finish()
            let records = try await services.auditQuery.list(filter, limit: page.limit + 1, offset: page.offset)
            return PagedResponse(fetched: records, page: page)
        }

        routes.add(.get, "/api/v1/audit/verify", access: .role(.viewer)) { request, _ in
            try QueryReader(request).finish()
            return try await services.auditVerifier.verify()
        }

        routes.add(.post, "/api/v1/audit/seal", access: .role(.admin)) { _, _ in
            Sealed(sealed: try await services.auditSealer.sealPending())
        }
    }
}

extension AuditVerification: ResponseEncodable {}
extension AuditRecord: ResponseEncodable {}
