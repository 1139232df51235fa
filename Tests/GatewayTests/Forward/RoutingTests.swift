import DICOM
import Gateway
import Storage
import Testing

@Suite("Routing conditions")
struct RoutingTests {
    let attributes = RoutingAttributes(
        callingAE: "CT1", calledAE: "DICOM_GW",
        values: [.modality: "CT", .sopClassUID: "1.2.840.10008.5.1.4.1.1.2", .patientID: "P123 "])

    @Test("equals, regex and presence on built-in fields and tags")
    func matching() throws {
        #expect(try RouteCondition(parsing: "modality=CT").matches(attributes.value(of: "modality")))
        #expect(try !RouteCondition(parsing: "modality=MR").matches(attributes.value(of: "modality")))
        #expect(try RouteCondition(parsing: "calling_ae~CT[0-9]").matches(attributes.value(of: "calling_ae")))
        #expect(try !RouteCondition(parsing: "calling_ae~CT").matches(attributes.value(of: "calling_ae")), "regex matches the whole value")
        #expect(try RouteCondition(parsing: "PatientID=P123").matches(attributes.value(of: "PatientID")), "trailing padding ignored")
        #expect(try RouteCondition(parsing: "0010,0020?").matches(attributes.value(of: "0010,0020")))
        #expect(try RouteCondition(parsing: "AccessionNumber!").matches(attributes.value(of: "AccessionNumber")))
        #expect(try !RouteCondition(parsing: "AccessionNumber?").matches(attributes.value(of: "AccessionNumber")))
    }

    @Test("a route needs every condition; the first failing one explains")
    func routeEvaluation() throws {
        var route = Route(name: "ct", destinations: ["pacs"])
        route.conditions = [try RouteCondition(parsing: "modality=CT"), try RouteCondition(parsing: "called_ae=OTHER")]
        let result = route.evaluate(attributes)
        #expect(!result.matches)
        #expect(result.failed?.field == "called_ae")
        route.conditions.removeLast()
        #expect(route.evaluate(attributes).matches)
        route.enabled = false
        #expect(!route.evaluate(attributes).matches)
    }

    @Test("a received instance's attributes: the row's values plus the extra tags collected for the routes")
    func recordWithExtraValues() throws {
        var record = InstanceRecord(
            uids: InstanceUIDs(study: "1.2.3", series: "1.2.3.4", sop: "1.2.3.4.5"), sopClassUID: "1.2.840.10008.5.1.4.1.1.2",
            transferSyntaxUID: "1.2.840.10008.1.2.1", filePath: "storage/studies/1.2.3/1.2.3.4/1.2.3.4.5.dcm", sizeBytes: 1, sha256: [])
        record.modality = "CT"
        record.callingAETitle = "CT1"
        let plain = RoutingAttributes(record: record)
        let station = try RouteCondition(parsing: "StationName=SCANNER2")
        #expect(!station.matches(plain.value(of: station.field)), "not in the row, so absent without the extra values")
        let full = RoutingAttributes(record: record, extraValues: [.stationName: "SCANNER2 "])
        #expect(station.matches(full.value(of: station.field)))
        #expect(try RouteCondition(parsing: "0008,1010~SCAN.*").matches(full.value(of: "0008,1010")))
        #expect(full.value(of: "modality") == "CT", "the row's values stay")
        #expect(full.value(of: "calling_ae") == "CT1")
    }

    @Test("bad fields and expressions are refused")
    func invalid() {
        #expect(throws: ForwardError.self) { try RouteCondition(parsing: "NoSuchKeyword=1") }
        #expect(throws: ForwardError.self) { try RouteCondition(parsing: "modality~(") }
        #expect(throws: ForwardError.self) { try RouteCondition(parsing: "modality") }
    }

    @Test("destinations and routes declared in the configuration file parse")
    func configuration() throws {
        var forward = ForwardConfiguration()
        forward.destinations = ["name=pacs ae_title=PACS host=10.1.2.3 port=104 max_associations=4"]
        forward.routes = ["name=ct to=pacs mode=study_stable stable_seconds=30 archive_policy=archive modality=CT calling_ae~CT.*"]
        let d = try forward.parsedDestinations()
        #expect(d.first?.maxAssociations == 4)
        #expect(d.first?.port == 104)
        let r = try forward.parsedRoutes()
        #expect(r.first?.mode == .studyStable)
        #expect(r.first?.stableSeconds == 30)
        #expect(r.first?.conditions.count == 2)
        forward.destinations = ["name=pacs ae_title=PACS host=h port=104 bogus=1"]
        #expect(throws: ForwardError.self) { try forward.parsedDestinations() }
    }
}
