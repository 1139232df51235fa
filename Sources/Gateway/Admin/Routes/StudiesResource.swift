import Foundation
import Hummingbird
import PostgresClient

/// `/api/v1/studies…`: search and detail, read-only, from the study/series/instance tables.
struct StudiesResource: AdminResource {
    let services: AdminServices

    struct StudySummary: Codable, Sendable {
        let id: Int64
        let studyInstanceUID: String
        let patientID: String?
        let patientName: String?
        let patientBirthDate: String?
        let patientSex: String?
        let accessionNumber: String?
        let studyID: String?
        let studyDate: String?
        let studyTime: String?
        let studyDescription: String?
        let referringPhysicianName: String?
        let modalities: [String]
        let seriesCount: Int64
        let instanceCount: Int64
        let firstReceivedAt: Date
        let lastReceivedAt: Date

        enum CodingKeys: String, CodingKey {
            case id, modalities
            case studyInstanceUID = "study_instance_uid"
            case patientID = "patient_id"
            case patientName = "patient_name"
            case patientBirthDate = "patient_birth_date"
            case patientSex = "patient_sex"
            case accessionNumber = "accession_number"
            case studyID = "study_id"
            case studyDate = "study_date"
            case studyTime = "study_time"
            case studyDescription = "study_description"
            case referringPhysicianName = "referring_physician_name"
            case seriesCount = "series_count"
            case instanceCount = "instance_count"
            case firstReceivedAt = "first_received_at"
            case lastReceivedAt = "last_received_at"
        }
    }

    struct Instance: Codable, Sendable {
        let sopInstanceUID: String
        let sopClassUID: String
        let transferSyntaxUID: String
        let instanceNumber: Int32?
        let storageState: String
        let sizeBytes: Int64
        let callingAETitle: String?
        let receivedAt: Date
        var deliveries: [Delivery] = []

        enum CodingKeys: String, CodingKey {
            case deliveries
            case sopInstanceUID = "sop_instance_uid"
            case sopClassUID = "sop_class_uid"
            case transferSyntaxUID = "transfer_syntax_uid"
            case instanceNumber = "instance_number"
            case storageState = "storage_state"
            case sizeBytes = "size_bytes"
            case callingAETitle = "calling_ae_title"
            case receivedAt = "received_at"
        }
    }

    struct Series: Codable, Sendable {
        let seriesInstanceUID: String
        let modality: String?
        let seriesNumber: Int32?
        let seriesDescription: String?
        let bodyPartExamined: String?
        var instances: [Instance]

        enum CodingKeys: String, CodingKey {
            case modality, instances
            case seriesInstanceUID = "series_instance_uid"
            case seriesNumber = "series_number"
            case seriesDescription = "series_description"
            case bodyPartExamined = "body_part_examined"
        }
    }

    /// One row of the delivery ledger (`dicom_gw.deliveries`): where an instance stands
    /// towards one destination.
    struct Delivery: Codable, Sendable {
        let destination: String
        let route: String?
        /// `pending`, `delivered`, `failed` or `cancelled`.
        let state: String
        let attempts: Int32
        let lastStatus: String?
        let lastError: String?
        let jobID: Int64?
        let enqueuedAt: Date
        let lastAttemptAt: Date?
        let deliveredAt: Date?

        enum CodingKeys: String, CodingKey {
            case destination, route, state, attempts
            case lastStatus = "last_status"
            case lastError = "last_error"
            case jobID = "job_id"
            case enqueuedAt = "enqueued_at"
            case lastAttemptAt = "last_attempt_at"
            case deliveredAt = "delivered_at"
        }
    }

    /// Per destination, how many of the study's instances are in each delivery state.
    struct DeliverySummary: Codable, Sendable {
        let destination: String
        let pending: Int64
        let delivered: Int64
        let failed: Int64
        let cancelled: Int64
    }

    struct StudyDetail: ResponseEncodable, Sendable {
        let study: StudySummary
        let series: [Series]
        let deliveries: [DeliverySummary]
    }

    static let summarySelect = """
        SELECT st.id, st.study_instance_uid, st.patient_id, st.patient_name, st.patient_birth_date::text AS patient_birth_date,
               st.patient_sex, st.accession_number, st.study_id, st.study_date::text AS study_date,
               st.study_time::text AS study_time, st.study_description, st.referring_physician_name,
               st.first_received_at, st.last_received_at,
               (SELECT count(*) FROM dicom_gw.series s WHERE s.study_id = st.id) AS series_count,
               (SELECT count(*) FROM dicom_gw.instances i WHERE i.study_id = st.id) AS instance_count,
               (SELECT coalesce(array_agg(DISTINCT s.modality ORDER BY s.modality) FILTER (WHERE s.modality IS NOT NULL), '{}')
                  FROM dicom_gw.series s WHERE s.study_id = st.id) AS modalities
          FROM dicom_gw.studies st
        """

    func register(on routes: AdminRouteBuilder) {
        let pool = services.pool

        routes.add(.get, "/api/v1/studies", access: .role(.viewer)) { request, _ in
            var query = QueryReader(request)
            var conditions: [String] = []
            var parameters: [any PostgresEncodable] = []
            func add(_ condition: (String) -> String, _ value: any PostgresEncodable) {
                parameters.append(value)
                conditions.append(condition("$\(parameters.count)"))
            }
            if let value = query.string("patient_id", maxLength: 64) {
                add({ "st.patient_id LIKE \($0)::text ESCAPE '\\'" }, Self.likePattern(value, prefix: false))
            }
            if let value = query.string("patient_name", maxLength: 64) {
                add({ "st.patient_name ILIKE \($0)::text ESCAPE '\\'" }, Self.likePattern(value, prefix: true))
            }
            if let value = query.string("accession_number", maxLength: 16) {
                add({ "st.accession_number LIKE \($0)::text ESCAPE '\\'" }, Self.likePattern(value, prefix: false))
            }
            if let value = query.string("study_instance_uid", maxLength: 64) {
                add({ "st.study_instance_uid = \($0)::text" }, value)
            }
            if let value = query.day("study_date_from") { add({ "st.study_date >= \($0)::date" }, value) }
            if let value = query.day("study_date_to") { add({ "st.study_date <= \($0)::date" }, value) }
            if let value = query.string("modality", maxLength: 16) {
                add({ "EXISTS (SELECT 1 FROM dicom_gw.series s WHERE s.study_id = st.id AND s.modality = \($0)::text)" }, value)
            }
            let page = query.page()
            try query.finish()
            let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            parameters.append(page.limit + 1)
            parameters.append(page.offset)
            let rows = try await pool.query(
                Self.summarySelect + whereClause
                    + " ORDER BY st.last_received_at DESC, st.id DESC LIMIT $\(parameters.count - 1) OFFSET $\(parameters.count)",
                parameters)
            return PagedResponse(fetched: try rows.map(StudySummary.init(row:)), page: page)
        }

        routes.add(.get, "/api/v1/studies/{uid}", access: .role(.viewer)) { _, context in
            guard let uid = context.parameters.get("uid"), Self.isValidUID(uid) else { throw APIError.notFound("study") }
            guard let row = try await pool.query(Self.summarySelect + " WHERE st.study_instance_uid = $1::text", [uid]).first
            else { throw APIError.notFound("study") }
            let study = try StudySummary(row: row)
            var series = try await pool.query(
                """
                SELECT id, series_instance_uid, modality, series_number, series_description, body_part_examined
                  FROM dicom_gw.series WHERE study_id = $1 ORDER BY series_number NULLS LAST, id
                """, [study.id]
            ).map { row in
                (id: try row.decode(Int64.self, column: "id"),
                 series: Series(
                    seriesInstanceUID: try row.decode(String.self, column: "series_instance_uid"),
                    modality: try row.decode(String?.self, column: "modality"),
                    seriesNumber: try row.decode(Int32?.self, column: "series_number"),
                    seriesDescription: try row.decode(String?.self, column: "series_description"),
                    bodyPartExamined: try row.decode(String?.self, column: "body_part_examined"),
                    instances: []))
            }
            let instances = try await pool.query(
                """
                SELECT series_id, sop_instance_uid, sop_class_uid, transfer_syntax_uid, instance_number,
                       storage_state::text AS storage_state, size_bytes, calling_ae_title, received_at
                  FROM dicom_gw.instances WHERE study_id = $1 ORDER BY instance_number NULLS LAST, id
                """, [study.id])
            for row in instances {
                let seriesID = try row.decode(Int64.self, column: "series_id")
                guard let index = series.firstIndex(where: { $0.id == seriesID }) else { continue }
                series[index].series.instances.append(
                    Instance(
                        sopInstanceUID: try row.decode(String.self, column: "sop_instance_uid"),
                        sopClassUID: try row.decode(String.self, column: "sop_class_uid"),
                        transferSyntaxUID: try row.decode(String.self, column: "transfer_syntax_uid"),
                        instanceNumber: try row.decode(Int32?.self, column: "instance_number"),
                        storageState: try row.decode(String.self, column: "storage_state"),
                        sizeBytes: try row.decode(Int64.self, column: "size_bytes"),
                        callingAETitle: try row.decode(String?.self, column: "calling_ae_title"),
                        receivedAt: try row.decode(Date.self, column: "received_at")))
            }
            let ledger = try await pool.query(
                """
                SELECT i.sop_instance_uid, de.name AS destination, r.name AS route, d.state, d.attempts, d.last_status,
                       d.last_error, d.job_id, d.enqueued_at, d.last_attempt_at, d.delivered_at
                  FROM dicom_gw.deliveries d
                  JOIN dicom_gw.instances i ON i.id = d.instance_id
                  JOIN dicom_gw.destinations de ON de.id = d.destination_id
                  LEFT JOIN dicom_gw.routes r ON r.id = d.route_id
                 WHERE i.study_id = $1 ORDER BY de.name
                """, [study.id])
            var byInstance: [String: [Delivery]] = [:]
            var totals: [String: [String: Int64]] = [:]
            for row in ledger {
                let delivery = Delivery(
                    destination: try row.decode(String.self, column: "destination"),
                    route: try row.decode(String?.self, column: "route"),
                    state: try row.decode(String.self, column: "state"),
                    attempts: try row.decode(Int32.self, column: "attempts"),
                    lastStatus: try row.decode(String?.self, column: "last_status"),
                    lastError: try row.decode(String?.self, column: "last_error"),
                    jobID: try row.decode(Int64?.self, column: "job_id"),
                    enqueuedAt: try row.decode(Date.self, column: "enqueued_at"),
                    lastAttemptAt: try row.decode(Date?.self, column: "last_attempt_at"),
                    deliveredAt: try row.decode(Date?.self, column: "delivered_at"))
                byInstance[try row.decode(String.self, column: "sop_instance_uid"), default: []].append(delivery)
                totals[delivery.destination, default: [:]][delivery.state, default: 0] += 1
            }
            for s in series.indices {
                for i in series[s].series.instances.indices {
                    series[s].series.instances[i].deliveries = byInstance[series[s].series.instances[i].sopInstanceUID] ?? []
                }
            }
            let summary = totals.keys.sorted().map { name in
                let counts = totals[name] ?? [:]
                return DeliverySummary(
                    destination: name, pending: counts["pending"] ?? 0, delivered: counts["delivered"] ?? 0,
                    failed: counts["failed"] ?? 0, cancelled: counts["cancelled"] ?? 0)
            }
            return StudyDetail(study: study, series: series.map(\.series), deliveries: summary)
        }
    }

    /// A LIKE pattern from a search value: `*` and `?` are the wildcards (as in DICOM
    /// queries); LIKE's own `%`, `_` and `\` match themselves. `prefix` appends a `%`.
    static func likePattern(_ value: String, prefix: Bool) -> String {
        var pattern = ""
        for character in value {
            switch character {
            case "\\", "%", "_": pattern += "\\" + String(character)
            case "*": pattern += "%"
            case "?": pattern += "_"
            default: pattern.append(character)
            }
        }
        if prefix && !pattern.hasSuffix("%") { pattern += "%" }
        return pattern
    }

    /// PS3.5 §9.1 UID syntax.
    static func isValidUID(_ uid: String) -> Bool {
        guard !uid.isEmpty, uid.utf8.count <= 64 else { return false }
        return uid.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { component in
            !component.isEmpty && component.allSatisfy(\.isASCIIDigit) && (component == "0" || component.first != "0")
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension StudiesResource.StudySummary {
    init(row: PostgresRow) throws {
        self.init(
            id: try row.decode(Int64.self, column: "id"),
            studyInstanceUID: try row.decode(String.self, column: "study_instance_uid"),
            patientID: try row.decode(String?.self, column: "patient_id"),
            patientName: try row.decode(String?.self, column: "patient_name"),
            patientBirthDate: try row.decode(String?.self, column: "patient_birth_date"),
            patientSex: try row.decode(String?.self, column: "patient_sex"),
            accessionNumber: try row.decode(String?.self, column: "accession_number"),
            studyID: try row.decode(String?.self, column: "study_id"),
            studyDate: try row.decode(String?.self, column: "study_date"),
            studyTime: try row.decode(String?.self, column: "study_time"),
            studyDescription: try row.decode(String?.self, column: "study_description"),
            referringPhysicianName: try row.decode(String?.self, column: "referring_physician_name"),
            modalities: try row.decode([String].self, column: "modalities"),
            seriesCount: try row.decode(Int64.self, column: "series_count"),
            instanceCount: try row.decode(Int64.self, column: "instance_count"),
            firstReceivedAt: try row.decode(Date.self, column: "first_received_at"),
            lastReceivedAt: try row.decode(Date.self, column: "last_received_at"))
    }
}
