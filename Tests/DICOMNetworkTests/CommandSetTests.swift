import NIOCore
import Testing

@testable import DICOMNetwork

@Suite("DIMSE command sets")
struct CommandSetTests {
    @Test("C-STORE-RQ encodes group length first and round-trips")
    func storeRequestRoundTrip() throws {
        let rq = CommandSet.storeRequest(messageID: 7, sopClassUID: "1.2.840.10008.5.1.4.1.1.7", sopInstanceUID: "1.2.3.4")
        let encoded = rq.encoded()
        // (0000,0000) UL, length 4, then the group length value.
        #expect(encoded.getInteger(at: 0, endianness: .little, as: UInt32.self) == 0)
        #expect(encoded.getInteger(at: 4, endianness: .little, as: UInt32.self) == 4)
        #expect(encoded.getInteger(at: 8, endianness: .little, as: UInt32.self) == UInt32(encoded.readableBytes - 12))
        let decoded = try CommandSet.decode(encoded)
        #expect(decoded.commandField == .cStoreRequest)
        #expect(decoded.messageID == 7)
        #expect(decoded.affectedSOPClassUID == "1.2.840.10008.5.1.4.1.1.7")
        #expect(decoded.affectedSOPInstanceUID == "1.2.3.4")
        #expect(decoded.hasDataSet)
        // Odd-length UIDs are NUL padded to even length on the wire.
        #expect(decoded.elements[.affectedSOPInstanceUID] == Array("1.2.3.4\0".utf8))
    }

    @Test("C-STORE-RSP carries status and a truncated error comment only on failure")
    func storeResponse() throws {
        let rq = CommandSet.storeRequest(messageID: 9, sopClassUID: "1.2.3", sopInstanceUID: "4.5.6")
        let failure = try CommandSet.decode(
            CommandSet.response(to: rq, status: .outOfResources, errorComment: String(repeating: "x", count: 100)).encoded())
        #expect(failure.commandField == .cStoreResponse)
        #expect(failure.messageIDBeingRespondedTo == 9)
        #expect(failure.status == .outOfResources)
        #expect(failure.errorComment?.count == 64)
        #expect(failure.affectedSOPInstanceUID == "4.5.6")
        #expect(!failure.hasDataSet)
        let success = CommandSet.response(to: rq, status: .success, errorComment: "ignored")
        #expect(success.errorComment == nil)
    }

    @Test("C-ECHO-RQ/RSP")
    func echo() throws {
        let rq = try CommandSet.decode(CommandSet.echoRequest(messageID: 1).encoded())
        #expect(rq.commandField == .cEchoRequest)
        #expect(rq.affectedSOPClassUID == NetworkUID.verificationSOPClass)
        #expect(!rq.hasDataSet)
        let rsp = CommandSet.response(to: rq, status: .success)
        #expect(rsp.commandField == .cEchoResponse)
        #expect(rsp.status?.category == .success)
    }

    @Test("truncated, overrunning and foreign-group elements are refused")
    func malformed() {
        var overrun = ByteBuffer()
        overrun.writeMultipleIntegers(UInt16(0), UInt16(0x0100), UInt32(1000), endianness: .little)
        overrun.writeBytes([1, 0])
        #expect(throws: DIMSEError.self) { try CommandSet.decode(overrun) }
        var foreign = ByteBuffer()
        foreign.writeMultipleIntegers(UInt16(8), UInt16(0x0016), UInt32(0), endianness: .little)
        #expect(throws: DIMSEError.self) { try CommandSet.decode(foreign) }
        #expect(throws: DIMSEError.self) { try CommandSet.decode(ByteBuffer(bytes: [0, 0, 0])) }
    }

    @Test("status categories", arguments: [
        (UInt16(0x0000), DIMSEStatus.Category.success), (0xB000, .warning), (0xB007, .warning),
        (0xA700, .failure), (0xC000, .failure), (0x0122, .failure), (0xFF00, .pending), (0xFE00, .cancel),
    ])
    func categories(raw: UInt16, category: DIMSEStatus.Category) {
        #expect(DIMSEStatus(rawValue: raw).category == category)
    }
}
