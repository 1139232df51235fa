import Foundation
import Hummingbird
import NIOPosix
import PostgresClient
import Storage

/// `POST /api/v1/routes/test`: which destinations a stored instance (or every instance of a
/// stored study) would be forwarded to now, and why, by the evaluator `dicom-gw route test`
/// and the receive path use (``Route/evaluate(_:)`` over the row's values and, in `serve`, the file's elements).
///
/// Body: `{"sop_instance_uid": "…"}` or `{"study_instance_uid": "…"}` (`sopInstanceUID` and
/// `studyInstanceUID` are accepted too). Read-only; nothing is enqueued.
struct RouteTestRoute: Sendable {
    let pool: PostgresPool
    let routes: RouteStore
    /// When set, each instance's file is read (top-level elements before the pixel data, on a
    /// thread-pool thread), so conditions on tags the rows do not hold are judged as the
    /// receive path judged them; a file that cannot be read leaves the row's values.
    var storageRoot: String?

    /// The most instances of one study explained in one answer.
    static let maxInstances = 500

    struct Input: Decodable {
        let sopInstanceUID: String?
        let studyInstanceUID: String?

        enum CodingKeys: String, CodingKey {
            case sopInstanceUID = "sop_instance_uid"
            case studyInstanceUID = "study_instance_uid"
            case sopCamel = "sopInstanceUID"
            case studyCamel = "studyInstanceUID"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            sopInstanceUID = try c.decodeIfPresent(String.self, forKey: .sopInstanceUID)
                ?? c.decodeIfPresent(String.self, forKey: .sopCamel)
            studyInstanceUID = try c.decodeIfPresent(String.self, forKey: .studyInstanceUID)
                ?? c.decodeIfPresent(String.self, forKey: .studyCamel)
        }
    }

    struct Result: ResponseEncodable {
        let instances: [InstanceResult]
        let truncated: Bool
    }

    struct InstanceResult: Encodable {
        let sopInstanceUID: String
        let studyInstanceUID: String
        let routes: [RouteResult]
        let destinations: [DestinationResult]

        enum CodingKeys: String, CodingKey {
            case routes, destinations
            case sopInstanceUID = "sop_instance_uid"
            case studyInstanceUID = "study_instance_uid"
        }
    }

    struct RouteResult: Encodable {
        let name: String
        let matches: Bool
        let reason: String
        let destinations: [String]
    }

    struct DestinationResult: Encodable {
        let name: String
        let route: String
        /// Whether a forward job would be made (the destination is enabled).
        let forwarded: Bool
        let paused: Bool
        let reason: String
    }

    func register(on builder: AdminRouteBuilder) {
        let test = self
        builder.add(.post, "/api/v1/routes/test", access: .role(.viewer)) { request, context in
            let input = try await request.decode(as: Input.self, context: context)
            return try await test.run(input)
        }
    }

    func run(_ input: Input) async throws -> Result {
        let filter: String
        let uid: String
        switch (input.sopInstanceUID, input.studyInstanceUID) {
        case (let sop?, nil):
            (filter, uid) = ("i.sop_instance_uid = $1::text", sop)
        case (nil, let study?):
            (filter, uid) = ("st.study_instance_uid = $1::text", study)
        default:
            throw APIError.invalid("body", "give sop_instance_uid or study_instance_uid")
        }
        guard StudiesResource.isValidUID(uid) else {
            throw APIError.invalid(input.sopInstanceUID != nil ? "sop_instance_uid" : "study_instance_uid", "not a valid UID")
        }
        let rows = try await pool.query("""
            SELECT i.sop_instance_uid, i.sop_class_uid, i.transfer_syntax_uid, i.instance_number, i.file_path, i.size_bytes,
                   i.calling_ae_title, i.called_ae_title, se.series_instance_uid, se.modality, se.series_number,
                   se.series_description, st.study_instance_uid, st.patient_id, st.patient_name,
                   st.patient_birth_date::text AS patient_birth_date, st.patient_sex, st.accession_number,
                   st.study_date::text AS study_date, st.study_description, st.referring_physician_name
              FROM dicom_gw.instances i
              JOIN dicom_gw.series se ON se.id = i.series_id
              JOIN dicom_gw.studies st ON st.id = i.study_id
             WHERE \(filter)
             ORDER BY se.series_number NULLS LAST, se.id, i.instance_number NULLS LAST, i.id
             LIMIT \(Self.maxInstances + 1)
            """, [uid])
        guard !rows.isEmpty else { throw APIError.notFound(input.sopInstanceUID != nil ? "instance" : "study") }
        let routes = try await self.routes.list()
        let destinations = Dictionary(
            try await DestinationStore(pool: pool).list().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var results: [InstanceResult] = []
        let layout = storageRoot.map { StorageLayout(root: $0) }
        for row in rows.prefix(Self.maxInstances) {
            let record = try Self.record(row)
            var attributes = RoutingAttributes(record: record)
            if let layout {
                let path = layout.absolute(record.filePath)
                attributes = try await NIOThreadPool.singleton.runIfActive { RoutingAttributes(record: record, fileAt: path) }
            }
            results.append(Self.explain(record, attributes: attributes, routes: routes, destinations: destinations))
        }
        return Result(instances: results, truncated: rows.count > Self.maxInstances)
    }

    /// The receive path's view of a stored instance.
    static func record(_ row: PostgresRow) throws -> InstanceRecord {
        var record = InstanceRecord(
            uids: InstanceUIDs(
                study: try row.decode(String.self, column: "study_instance_uid"),
                series: try row.decode(String.self, column: "series_instance_uid"),
                sop: try row.decode(String.self, column: "sop_instance_uid")),
            sopClassUID: try row.decode(String.self, column: "sop_class_uid"),
            transferSyntaxUID: try row.decode(String.self, column: "transfer_syntax_uid"),
            filePath: try row.decode(String.self, column: "file_path"),
            sizeBytes: try row.decode(Int64.self, column: "size_bytes"), sha256: [])
        record.instanceNumber = try row.decode(Int32?.self, column: "instance_number")
        record.callingAETitle = try row.decode(String?.self, column: "calling_ae_title")
        record.calledAETitle = try row.decode(String?.self, column: "called_ae_title")
        record.modality = try row.decode(String?.self, column: "modality")
        record.seriesNumber = try row.decode(Int32?.self, column: "series_number")
        record.seriesDescription = try row.decode(String?.self, column: "series_description")
        record.patientID = try row.decode(String?.self, column: "patient_id")
        record.patientName = try row.decode(String?.self, column: "patient_name")
        record.patientBirthDate = try row.decode(String?.self, column: "patient_birth_date")
        record.patientSex = try row.decode(String?.self, column: "patient_sex")
        record.accessionNumber = try row.decode(String?.self, column: "accession_number")
        record.studyDate = try row.decode(String?.self, column: "study_date")
        record.studyDescription = try row.decode(String?.self, column: "study_description")
        record.referringPhysicianName = try row.decode(String?.self, column: "referring_physician_name")
        return record
    }

    /// Every route's verdict, then the destinations as the receive path would pick them:
    /// routes in priority order, the first matching route to a destination wins, disabled
    /// destinations get no job.
    static func explain(
        _ record: InstanceRecord, attributes: RoutingAttributes, routes: [Route], destinations: [String: Destination]
    ) -> InstanceResult {
        var routeResults: [RouteResult] = []
        var chosen: [DestinationResult] = []
        for route in routes {
            let (matches, failed) = route.evaluate(attributes)
            let reason: String
            if matches {
                reason = route.conditions.isEmpty
                    ? "matches (no condition)" : "matches: " + route.conditions.map(\.description).joined(separator: " and ")
            } else if let failed {
                let value = attributes.value(of: failed.field).map { "'\($0)'" } ?? "absent"
                reason = "\(failed) fails (value: \(value))"
            } else {
                reason = "route disabled"
            }
            routeResults.append(RouteResult(name: route.name, matches: matches, reason: reason, destinations: route.destinations))
            guard matches else { continue }
            for name in route.destinations where !chosen.contains(where: { $0.name == name }) {
                let destination = destinations[name]
                let enabled = destination?.enabled ?? false
                let paused = destination?.paused ?? false
                let why = !enabled ? "destination disabled: no job" : paused ? "paused: the job would wait" : "forwarded"
                chosen.append(DestinationResult(name: name, route: route.name, forwarded: enabled, paused: paused, reason: why))
            }
        }
        return InstanceResult(
            sopInstanceUID: record.uids.sop, studyInstanceUID: record.uids.study, routes: routeResults, destinations: chosen)
    }
}
