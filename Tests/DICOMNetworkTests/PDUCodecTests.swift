import NIOCore
import NIOTestUtils
import Testing

@testable import DICOMNetwork

@Suite("PDU codec")
struct PDUCodecTests {
    static let request = AssociateRequest(
        calledAETitle: "STORESCP",
        callingAETitle: "MODALITY",
        presentationContexts: [
            .init(id: 1, abstractSyntax: NetworkUID.verificationSOPClass, transferSyntaxes: [NetworkUID.implicitVRLittleEndian]),
            .init(
                id: 3, abstractSyntax: "1.2.840.10008.5.1.4.1.1.2",
                transferSyntaxes: [NetworkUID.explicitVRLittleEndian, NetworkUID.implicitVRLittleEndian]),
        ],
        userInformation: UserInformation(
            maxLength: 16384,
            asyncOperationsWindow: .init(invoked: 1, performed: 1),
            roleSelections: [.init(sopClassUID: "1.2.840.10008.5.1.4.1.1.2", scuRole: true, scpRole: false)],
            extendedNegotiations: [.init(sopClassUID: "1.2.840.10008.5.1.4.1.1.2", applicationInformation: [1, 0, 1])],
            commonExtendedNegotiations: [
                .init(sopClassUID: "1.2.3", serviceClassUID: "1.2.840.10008.4.2", relatedGeneralSOPClassUIDs: ["1.2.4", "1.2.5"])
            ],
            userIdentity: .init(type: 2, positiveResponseRequested: true, primaryField: Array("user".utf8), secondaryField: Array("pw".utf8)),
            unknownItems: [.init(type: 0x5F, value: [9, 9])]
        )
    )

    static let accept = AssociateAccept(
        calledAETitle: "STORESCP", callingAETitle: "MODALITY",
        presentationContexts: [
            .init(id: 1, result: .acceptance, transferSyntax: NetworkUID.implicitVRLittleEndian),
            .init(id: 3, result: .abstractSyntaxNotSupported, transferSyntax: ""),
        ],
        userInformation: UserInformation(maxLength: 0, asyncOperationsWindow: .init(invoked: 1, performed: 1), userIdentityResponse: [1, 2])
    )

    static func allPDUs() -> [PDU] {
        [
            .associateRequest(request),
            .associateAccept(accept),
            .associateReject(.localLimitExceeded),
            .dataTransfer([
                .init(presentationContextID: 1, isCommand: true, isLast: true, data: ByteBuffer(bytes: [1, 2, 3, 4])),
                .init(presentationContextID: 1, isCommand: false, isLast: false, data: ByteBuffer(bytes: [5, 6])),
            ]),
            .releaseRequest,
            .releaseResponse,
            .abort(.byProvider(.unexpectedPDU)),
        ]
    }

    static func encode(_ pdu: PDU) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writePDU(pdu)
        return buffer
    }

    @Test("every PDU type round-trips", arguments: allPDUs())
    func roundTrip(pdu: PDU) throws {
        var buffer = Self.encode(pdu)
        var decoder = PDUDecoder(maxDataTransferLength: 16384)
        let decoded = try decoder.decode(buffer: &buffer)
        #expect(decoded == pdu)
        #expect(buffer.readableBytes == 0)
    }

    @Test("ByteToMessageDecoderVerifier: byte-by-byte and whole inputs give the same PDUs")
    func verifier() throws {
        let pairs = Self.allPDUs().map { (Self.encode($0), [$0]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            PDUDecoder(maxDataTransferLength: 16384)
        }
    }

    @Test("short reads rewind: a PDU split anywhere decodes once complete")
    func shortReads() throws {
        let full = Self.encode(.associateRequest(Self.request))
        for split in [1, 5, 6, 7, 70, full.readableBytes - 1] {
            var decoder = PDUDecoder(maxDataTransferLength: 16384)
            var buffer = full.getSlice(at: 0, length: split) ?? ByteBuffer()
            #expect(try decoder.decode(buffer: &buffer) == nil)
            #expect(buffer.readerIndex == 0)
            var rest = full.getSlice(at: split, length: full.readableBytes - split) ?? ByteBuffer()
            buffer.writeBuffer(&rest)
            #expect(try decoder.decode(buffer: &buffer) == .associateRequest(Self.request))
        }
    }

    @Test("a P-DATA-TF longer than the advertised maximum is refused from its header alone")
    func oversizedDataTransfer() {
        var buffer = ByteBuffer(bytes: [0x04, 0x00])
        buffer.writeInteger(UInt32(16385))
        var decoder = PDUDecoder(maxDataTransferLength: 16384)
        #expect {
            _ = try decoder.decode(buffer: &buffer)
        } throws: { error in
            (error as? PDUDecodingError)?.code == .pduTooLarge
        }
    }

    @Test("a huge association PDU length is refused before buffering")
    func oversizedAssociation() {
        var buffer = ByteBuffer(bytes: [0x01, 0x00, 0x7F, 0xFF, 0xFF, 0xFF])
        var decoder = PDUDecoder(maxDataTransferLength: 16384)
        #expect(throws: PDUDecodingError.self) { _ = try decoder.decode(buffer: &buffer) }
    }

    @Test("a TLS ClientHello is recognised as such")
    func tlsClientHello() {
        var buffer = ByteBuffer(bytes: [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC])
        var decoder = PDUDecoder(maxDataTransferLength: 16384)
        #expect {
            _ = try decoder.decode(buffer: &buffer)
        } throws: { error in
            (error as? PDUDecodingError)?.code == .tlsHandshakeOnPlainPort
        }
    }

    @Test("unknown PDU types are refused with reason 'unrecognized PDU'")
    func unknownType() {
        var buffer = ByteBuffer(bytes: [0x09, 0x00, 0, 0, 0, 0])
        var decoder = PDUDecoder(maxDataTransferLength: 16384)
        #expect {
            _ = try decoder.decode(buffer: &buffer)
        } throws: { error in
            (error as? PDUDecodingError)?.abortReason == .unrecognizedPDU
        }
    }

    @Test("an item length running past its PDU is refused")
    func absurdItemLength() {
        var buffer = Self.encode(.associateRequest(Self.request))
        // The application context item starts right after the 68 fixed bytes.
        buffer.setInteger(UInt16(0xFFF0), at: 6 + 68 + 2)
        var decoder = PDUDecoder(maxDataTransferLength: 16384)
        #expect {
            _ = try decoder.decode(buffer: &buffer)
        } throws: { error in
            (error as? PDUDecodingError)?.code == .malformedPDU
        }
    }

    @Test("a PDV item length running past its P-DATA-TF is refused")
    func absurdPDVLength() {
        var buffer = ByteBuffer(bytes: [0x04, 0x00, 0, 0, 0, 8])
        buffer.writeInteger(UInt32(1000))
        buffer.writeBytes([1, 3, 0, 0])
        var decoder = PDUDecoder(maxDataTransferLength: 16384)
        #expect(throws: PDUDecodingError.self) { _ = try decoder.decode(buffer: &buffer) }
    }

    @Test("an A-ASSOCIATE-RQ without user information is malformed")
    func missingUserInformation() throws {
        var body = ByteBuffer()
        body.writeMultipleIntegers(UInt16(1), UInt16(0))
        body.writeString("CALLED          CALLING         ")
        body.writeRepeatingByte(0, count: 32)
        body.writeMultipleIntegers(UInt8(0x10), UInt8(0), UInt16(NetworkUID.dicomApplicationContext.utf8.count))
        body.writeString(NetworkUID.dicomApplicationContext)
        var buffer = ByteBuffer(bytes: [0x01, 0x00])
        buffer.writeInteger(UInt32(body.readableBytes))
        buffer.writeBuffer(&body)
        var decoder = PDUDecoder(maxDataTransferLength: 16384)
        #expect(throws: PDUDecodingError.self) { _ = try decoder.decode(buffer: &buffer) }
    }

    @Test("AE titles and UIDs lose their padding; AE titles are written space-padded to 16")
    func padding() throws {
        var rq = Self.request
        rq.calledAETitle = "AE"
        let buffer = Self.encode(.associateRequest(rq))
        #expect(buffer.getString(at: 10, length: 16) == "AE              ")
        #expect("1.2.3\0".trimmingPadding() == "1.2.3")
        #expect("  SCP ".trimmingPadding() == "SCP")
    }
}
