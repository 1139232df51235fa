import Testing

@testable import DICOM

@Suite struct TagTests {
    @Test func formatsAndOrders() {
        #expect(Tag.patientName.description == "(0010,0010)")
        #expect(Tag.patientName.group == 0x0010)
        #expect(Tag(group: 0x7FE0, element: 0x0010) == .pixelData)
        #expect(Tag.patientName < Tag.pixelData)
        #expect(Tag(0x0009_0010).isPrivateCreator)
        #expect(!Tag(0x0008_0010).isPrivate)
    }
}
