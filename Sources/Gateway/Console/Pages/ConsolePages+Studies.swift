import Foundation
import HTTPTypes
import Hummingbird
import JobQueue
import PostgresClient

extension ConsolePages {
    struct StudiesPage {
        struct Row {
            let href: String
            let patient: String?
            let patientID: String?
            let accession: String?
            let date: String?
            let description: String?
            let modalities: String
            let series: Int64
            let instances: Int64
            let received: String?
        }
        let chrome: ConsoleChrome
        let patientID: String?
        let patientName: String?
        let accession: String?
        let dateFrom: String?
        let dateTo: String?
        let modality: String?
        let rows: [Row]
        let searched: Bool
        let previousHref: String?
        let nextHref: String?
        var paged = false
    }

    struct StudyPage {
        struct Series {
            let uid: String
            let number: String?
            let modality: String?
            let description: String?
            let instances: [Instance]
            let count: Int
        }
        struct Instance {
            let number: String?
            let uid: String
            let size: String
            let state: String
            let received: String?
            let deliveries: [Delivery]
        }
        struct Delivery {
            let destination: String
            let status: Badge
        }
        struct DestinationStatus {
            let destination: String
            let delivered: Int
            let pending: Int
            let failed: Int
            let cancelled: Int?
            let status: Badge
            let lastAttempt: String?
            let lastError: String?
        }
        let chrome: ConsoleChrome
        let uid: String
        let patient: String?
        let patientID: String?
        let birthDate: String?
        let sex: String?
        let accession: String?
        let date: String?
        let description: String?
        let referring: String?
        let firstReceived: String?
        let lastReceived: String?
        let seriesCount: Int64
        let instanceCount: Int64
        let series: [Series]
        let deliveries: [DestinationStatus]
        let canResend: Bool
        let resendTargets: [Option]
    }

    func registerStudies(on router: Router<AdminRequestContext>) {
        let pages = self

        get(router, "/ui/studies") { request, _, viewer in
            let query = request.uri.queryParameters
            var errors: [String] = []
            func text(_ name: Substring, max: Int) -> String? {
                guard let value = query[name].map({ String($0).trimmingCharacters(in: .whitespaces) }), !value.isEmpty else { return nil }
                guard value.count <= max, !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                    errors.append("\(name) must be at most \(max) characters of text")
                    return nil
                }
                return value
            }
            func day(_ name: Substring) -> String? {
                guard let value = text(name, max: 10) else { return nil }
                guard QueryReader.parseDay(value) != nil else {
                    errors.append("\(name == "from" ? "From" : "To") must be a date YYYY-MM-DD")
                    return nil
                }
                return value
            }
            let patientID = text("patient_id", max: 64)
            let patientName = text("patient_name", max: 64)
            let accession = text("accession", max: 16)
            let from = day("from")
            let to = day("to")
            let modality = text("modality", max: 16)?.uppercased()
            let offset = min(max(query["offset"].flatMap { Int($0) } ?? 0, 0), 1_000_000)
            let limit = 50
            var conditions: [String] = []
            var parameters: [any PostgresEncodable] = []
            func add(_ condition: (String) -> String, _ value: any PostgresEncodable) {
                parameters.append(value)
                conditions.append(condition("$\(parameters.count)"))
            }
            if let patientID { add({ "st.patient_id LIKE \($0)::text ESCAPE '\\'" }, StudiesResource.likePattern(patientID, prefix: false)) }
            if let patientName { add({ "st.patient_name ILIKE \($0)::text ESCAPE '\\'" }, StudiesResource.likePattern(patientName, prefix: true)) }
            if let accession { add({ "st.accession_number LIKE \($0)::text ESCAPE '\\'" }, StudiesResource.likePattern(accession, prefix: false)) }
            if let from { add({ "st.study_date >= \($0)::date" }, from) }
            if let to { add({ "st.study_date <= \($0)::date" }, to) }
            if let modality {
                add({ "EXISTS (SELECT 1 FROM dicom_gw.series s WHERE s.study_id = st.id AND s.modality = \($0)::text)" }, modality)
            }
            var studies: [StudiesResource.StudySummary] = []
            if errors.isEmpty {
                let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
                parameters.append(limit + 1)
                parameters.append(offset)
                studies = try await pages.services.pool.query(
                    StudiesResource.summarySelect + whereClause
                        + " ORDER BY st.last_received_at DESC, st.id DESC LIMIT $\(parameters.count - 1) OFFSET $\(parameters.count)",
                    parameters
                ).map(StudiesResource.StudySummary.init(row:))
            }
            func href(_ offset: Int) -> String {
                "/ui/studies" + Self.query([
                    ("patient_id", patientID), ("patient_name", patientName), ("accession", accession), ("from", from), ("to", to),
                    ("modality", modality), ("offset", offset > 0 ? String(offset) : nil),
                ])
            }
            let rows = studies.prefix(limit).map { s in
                StudiesPage.Row(
                    href: "/ui/studies/\(s.studyInstanceUID)", patient: ConsoleFormat.personName(s.patientName),
                    patientID: s.patientID, accession: s.accessionNumber, date: s.studyDate,
                    description: s.studyDescription, modalities: s.modalities.joined(separator: ", "), series: s.seriesCount,
                    instances: s.instanceCount, received: ConsoleFormat.time(s.lastReceivedAt))
            }
            return pages.renderer.render(
                "studies",
                StudiesPage(
                    chrome: ConsoleChrome(
                        title: "Studies", section: "/ui/studies", viewer: viewer,
                        error: errors.isEmpty ? nil : errors.joined(separator: "; ") + "."),
                    patientID: patientID, patientName: patientName, accession: accession, dateFrom: from, dateTo: to,
                    modality: modality, rows: Array(rows), searched: !conditions.isEmpty,
                    previousHref: offset > 0 ? href(max(0, offset - limit)) : nil,
                    nextHref: studies.count > limit ? href(offset + limit) : nil, paged: offset > 0 || studies.count > limit),
                status: errors.isEmpty ? .ok : .unprocessableContent)
        }

        get(router, "/ui/studies/:uid") { request, context, viewer in
            try await pages.studyPage(request, context, viewer, notice: ConsoleNotice.message(request), error: nil)
        }

        post(router, "/ui/studies/:uid/resend", role: .operator) { request, context, viewer, form in
            guard let uid = context.parameters.get("uid"), StudiesResource.isValidUID(uid) else { throw ConsoleError.notFound("study") }
            let target = form.value("destination")
            guard let target else {
                return try await pages.studyPage(request, context, viewer, notice: nil, error: "Choose where to send the study.")
            }
            let operations = ForwardOperations(queue: JobQueue(pool: pages.services.pool, logger: pages.services.logger))
            let items = try await operations.replay(
                study: uid, destination: nil, since: nil, to: target == "*" ? nil : target, dryRun: false, actor: viewer.forwardActor)
            let queued = items.filter { $0.jobID != nil }.count
            if items.isEmpty {
                return try await pages.studyPage(
                    request, context, viewer, notice: nil,
                    error: "Nothing to send: no object of this study was ever routed to \(target == "*" ? "any destination" : target).")
            }
            return ConsoleRoutes.redirect(to: "/ui/studies/\(uid)?notice=resent&count=\(queued)")
        }
    }

    func studyPage(
        _ request: Request, _ context: AdminRequestContext, _ viewer: ConsoleViewer, notice: String?, error: String?
    ) async throws -> Response {
        guard let uid = context.parameters.get("uid"), StudiesResource.isValidUID(uid) else { throw ConsoleError.notFound("study") }
        let pool = services.pool
        guard let row = try await pool.query(StudiesResource.summarySelect + " WHERE st.study_instance_uid = $1::text", [uid]).first
        else { throw ConsoleError.notFound("study") }
        let study = try StudiesResource.StudySummary(row: row)
        let queries = ConsoleQueries(pool: pool)
        let perInstance = try await queries.instanceDeliveries(studyID: study.id)
        let seriesRows = try await pool.query(
            """
            SELECT id, series_instance_uid::text AS uid, modality, series_number, series_description
              FROM dicom_gw.series WHERE study_id = $1 ORDER BY series_number NULLS LAST, id
            """, [study.id])
        let instanceRows = try await pool.query(
            """
            SELECT series_id, sop_instance_uid::text AS uid, instance_number, storage_state::text AS state, size_bytes, received_at
              FROM dicom_gw.instances WHERE study_id = $1 ORDER BY instance_number NULLS LAST, id LIMIT 5000
            """, [study.id])
        var instancesBySeries: [Int64: [StudyPage.Instance]] = [:]
        for row in instanceRows {
            let uid = try row.decode(String.self, column: "uid")
            instancesBySeries[try row.decode(Int64.self, column: "series_id"), default: []].append(
                StudyPage.Instance(
                    number: try row.decode(Int32?.self, column: "instance_number").map(String.init), uid: uid,
                    size: ConsoleFormat.bytes(try row.decode(Int64.self, column: "size_bytes")),
                    state: try row.decode(String.self, column: "state"),
                    received: ConsoleFormat.time(try row.decode(Date.self, column: "received_at")),
                    deliveries: (perInstance[uid] ?? []).map { StudyPage.Delivery(destination: $0.destination, status: Self.deliveryBadge($0.state)) }))
        }
        let series = try seriesRows.map { row in
            let id = try row.decode(Int64.self, column: "id")
            let instances = instancesBySeries[id] ?? []
            return StudyPage.Series(
                uid: try row.decode(String.self, column: "uid"),
                number: try row.decode(Int32?.self, column: "series_number").map(String.init),
                modality: try row.decode(String?.self, column: "modality"),
                description: try row.decode(String?.self, column: "series_description"), instances: instances,
                count: instances.count)
        }
        let deliveries = try await queries.studyDeliveries(studyID: study.id).map { d in
            StudyPage.DestinationStatus(
                destination: d.destination, delivered: d.delivered, pending: d.pending, failed: d.failed, cancelled: d.cancelled == 0 ? nil : d.cancelled,
                status: d.failed > 0 ? .bad("failed") : d.pending > 0 ? .warn("in progress") : d.cancelled > 0 && d.delivered == 0 ? .neutral("cancelled") : .ok("delivered"),
                lastAttempt: ConsoleFormat.time(d.lastAttemptAt), lastError: ConsoleFormat.clip(d.lastError, 200))
        }
        var targets = deliveries.map { Option(value: $0.destination, label: $0.destination, selected: false) }
        if targets.count > 1 { targets.insert(Option(value: "*", label: "Every destination it was routed to", selected: false), at: 0) }
        return renderer.render(
            "study",
            StudyPage(
                chrome: ConsoleChrome(title: "Study", section: "/ui/studies", viewer: viewer, notice: notice, error: error),
                uid: study.studyInstanceUID, patient: ConsoleFormat.personName(study.patientName), patientID: study.patientID,
                birthDate: study.patientBirthDate, sex: study.patientSex, accession: study.accessionNumber, date: study.studyDate,
                description: study.studyDescription, referring: ConsoleFormat.personName(study.referringPhysicianName),
                firstReceived: ConsoleFormat.time(study.firstReceivedAt), lastReceived: ConsoleFormat.time(study.lastReceivedAt),
                seriesCount: study.seriesCount, instanceCount: study.instanceCount, series: series, deliveries: deliveries,
                canResend: viewer.can(.operator) && !targets.isEmpty, resendTargets: targets),
            status: error == nil ? .ok : .unprocessableContent)
    }

    static func deliveryBadge(_ state: String) -> Badge {
        switch state {
        case "delivered": .ok("delivered")
        case "failed": .bad("failed")
        case "pending": .warn("pending")
        default: .neutral(state)
        }
    }
}
