import Foundation
import Testing

@testable import DICOM

@Suite struct UIDTests {
    @Test(arguments: [
        "0", "1", "1.2", "1.2.840.10008.1.2.1", "2.25.0", "1.0.3", "10.20.30",
        String(repeating: "1", count: 64),
        "1." + String(repeating: "2", count: 62),
    ])
    func acceptsValid(_ uid: String) {
        #expect(UID.isValid(uid))
    }

    @Test(arguments: [
        "", ".", "1.", ".1", "1..2", "01", "1.02", "1.2.00", "1.2a", "1.2 ", " 1.2", "1.2\0",
        "1,2", "-1.2", "+1", "1.2.840.10008.1.2.1/..", "../1", "1/2", "１.２",
        String(repeating: "1", count: 65),
        "1." + String(repeating: "2", count: 63),
    ])
    func rejectsInvalid(_ uid: String) {
        #expect(!UID.isValid(uid))
    }

    @Test func trimsPadding() {
        #expect(UID.trimmingPadding("1.2.3\0") == "1.2.3")
        #expect(UID.trimmingPadding("1.2.3 ") == "1.2.3")
        #expect(UID.isValid(UID.trimmingPadding("1.2.840.10008.1.2\0")))
    }

    @Test func generatesUnderDefaultRoot() throws {
        let generator = try UIDGenerator()
        var seen = Set<String>()
        for _ in 0..<1000 {
            let uid = generator.make()
            #expect(uid.hasPrefix("2.25."))
            #expect(UID.isValid(uid), "\(uid)")
            seen.insert(uid)
        }
        #expect(seen.count == 1000)
    }

    @Test func generatesUnderCustomRootWithinLength() throws {
        let root = "1.2.826.0.1.3680043.10.999.123456789"
        let generator = try UIDGenerator(root: root)
        let uid = generator.make()
        #expect(uid.hasPrefix(root + "."))
        #expect(uid.utf8.count <= 64)
        #expect(UID.isValid(uid))
        #expect(throws: DICOMError.self) { try UIDGenerator(root: "1.02") }
        #expect(throws: DICOMError.self) { try UIDGenerator(root: "1." + String(repeating: "2", count: 50)) }
    }

    @Test func decimalOfUUIDMatchesBigIntegerArithmetic() throws {
        let uuid = try #require(UUID(uuidString: "6F2B1C7E-4A55-4D1E-9C3B-8E0D2A4F7B91"))
        #expect(UIDGenerator.decimal(of: uuid) == "147768154210265052132753831963038546833")
        #expect(UIDGenerator.decimal(high: 0, low: 42) == "42")
        #expect(UIDGenerator.decimal(high: 1, low: 0) == "18446744073709551616")
        #expect(UIDGenerator.decimal(high: .max, low: .max) == "340282366920938463463374607431768211455")
        #expect(UID.isValid(UID.implementationClassUID))
        #expect(UID.implementationClassUID == "2.25." + UIDGenerator.decimal(of: uuid))
    }
}
