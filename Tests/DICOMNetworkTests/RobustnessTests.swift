import DICOMNetwork
import Foundation
import NIOCore
import Testing

@Suite("SCP robustness")
struct RobustnessTests {
    // Short enough to keep the suite quick, long enough that a loaded 2-core CI machine running
    // every suite in parallel does not trip them before the peer has spoken.
    static let shortTimeouts = AssociationTimeouts(artim: .seconds(3), acse: .seconds(3), dimse: .seconds(3), idle: .seconds(2))

    static func request(called: String = "GATEWAY") -> AssociateRequest {
        AssociateRequest(
            calledAETitle: called, callingAETitle: "RAWPEER",
            presentationContexts: [
                .init(id: 1, abstractSyntax: NetworkUID.verificationSOPClass, transferSyntaxes: [NetworkUID.implicitVRLittleEndian]),
                .init(id: 3, abstractSyntax: "1.2.840.10008.5.1.4.1.1.7", transferSyntaxes: [NetworkUID.explicitVRLittleEndian]),
            ],
            userInformation: UserInformation(maxLength: 16384))
    }

    /// After each abuse the SCP must still serve a normal association.
    static func expectServes(_ port: Int) async throws {
        let out = try await ToolRunner.run("/usr/bin/echoscu", ["-aec", "GATEWAY", "127.0.0.1", "\(port)"])
        #expect(out.status == 0, "SCP no longer serves: \(out.stderr)")
    }

    static func withServer(
        handler: any StoreHandler = RecordingStoreHandler(),
        _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        try await TestServer.with(TestServer.configuration(timeouts: Self.shortTimeouts), handler: handler) { ports in
            try await body(try #require(ports.plain))
        }
    }

    @Test("garbage bytes: A-ABORT 'unrecognized PDU', then close")
    func garbage() async throws {
        try await Self.withServer { port in
            let peer = try await RawPeer.connect(port: port)
            try await peer.write(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            #expect(try await peer.readPDU() == .abort(.byProvider(.unrecognizedPDU)))
            #expect(try await peer.waitForClose(timeout: .seconds(10)))
            try await Self.expectServes(port)
        }
    }

    @Test("oversized PDU length: refused at once, nothing buffered")
    func oversized() async throws {
        try await Self.withServer { port in
            let peer = try await RawPeer.connect(port: port)
            try await peer.write([0x01, 0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0x00, 0x01])
            #expect(try await peer.readPDU() == .abort(.byProvider(.invalidPDUParameterValue)))
            #expect(try await peer.waitForClose(timeout: .seconds(10)))
            try await Self.expectServes(port)
        }
    }

    @Test("malformed A-ASSOCIATE-RQ: prompt A-ABORT with 'invalid parameter value'")
    func malformedRequest() async throws {
        try await Self.withServer { port in
            var pdu = ByteBuffer()
            pdu.writePDU(.associateRequest(Self.request()))
            // Corrupt the application context item's length so it overruns the PDU.
            pdu.setInteger(UInt16(0x7FFF), at: 6 + 68 + 2)
            let peer = try await RawPeer.connect(port: port)
            let start = ContinuousClock.now
            try await peer.write(Array(pdu.readableBytesView))
            #expect(try await peer.readPDU(timeout: .seconds(2)) == .abort(.byProvider(.invalidPDUParameterValue)))
            #expect(ContinuousClock.now - start < .seconds(2), "abort must not wait for ARTIM (3 s)")
            try await Self.expectServes(port)
        }
    }

    @Test("truncated PDU then silence: ARTIM closes the connection")
    func truncated() async throws {
        try await Self.withServer { port in
            var pdu = ByteBuffer()
            pdu.writePDU(.associateRequest(Self.request()))
            let peer = try await RawPeer.connect(port: port)
            try await peer.write(Array(pdu.readableBytesView.prefix(40)))
            #expect(try await peer.waitForClose(timeout: .seconds(10)))
            try await Self.expectServes(port)
        }
    }

    @Test("a peer trickling its A-ASSOCIATE-RQ byte by byte is dropped by ARTIM")
    func trickle() async throws {
        try await Self.withServer { port in
            var pdu = ByteBuffer()
            pdu.writePDU(.associateRequest(Self.request()))
            let bytes = Array(pdu.readableBytesView)
            let peer = try await RawPeer.connect(port: port)
            let start = ContinuousClock.now
            for byte in bytes {
                if peer.isClosed { break }
                try? await peer.write([byte])
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(peer.isClosed)
            // The whole request trickled would take over 10 s; ARTIM (3 s) cuts it short.
            #expect(ContinuousClock.now - start < .seconds(8))
            try await Self.expectServes(port)
        }
    }

    @Test("P-DATA before association: A-ABORT 'unexpected PDU'")
    func dataBeforeAssociation() async throws {
        try await Self.withServer { port in
            let peer = try await RawPeer.connect(port: port)
            try await peer.write(.dataTransfer([.init(presentationContextID: 1, isCommand: true, isLast: true, data: ByteBuffer(bytes: [0, 0]))]))
            #expect(try await peer.readPDU() == .abort(.byProvider(.unexpectedPDU)))
            try await Self.expectServes(port)
        }
    }

    @Test("A-ABORT mid-transfer: the handler's stream fails, nothing is stored, next association fine")
    func abortMidTransfer() async throws {
        let handler = RecordingStoreHandler()
        try await Self.withServer(handler: handler) { port in
            let peer = try await RawPeer.connect(port: port)
            try await peer.write(.associateRequest(Self.request()))
            guard case .associateAccept = try await peer.readPDU() else {
                Issue.record("association not accepted")
                return
            }
            let command = CommandSet.storeRequest(messageID: 1, sopClassUID: "1.2.840.10008.5.1.4.1.1.7", sopInstanceUID: "1.2.3")
            try await peer.write(.dataTransfer([.init(presentationContextID: 3, isCommand: true, isLast: true, data: command.encoded())]))
            try await peer.write(.dataTransfer([.init(presentationContextID: 3, isCommand: false, isLast: false, data: ByteBuffer(repeating: 0x41, count: 1000))]))
            try await peer.write(.abort(.byUser))
            #expect(try await peer.waitForClose(timeout: .seconds(10)))
            try await Self.expectServes(port)
        }
        #expect(handler.all.isEmpty, "an aborted data set must not count as received")
    }

    @Test("idle association: aborted after the idle timeout while another association is served")
    func idle() async throws {
        try await Self.withServer { port in
            let peer = try await RawPeer.connect(port: port)
            try await peer.write(.associateRequest(Self.request()))
            guard case .associateAccept = try await peer.readPDU() else {
                Issue.record("association not accepted")
                return
            }
            // Meanwhile, another peer is served without delay.
            try await Self.expectServes(port)
            #expect(try await peer.readPDU(timeout: .seconds(10)) == .abort(.byProvider(.notSpecified)))
            #expect(try await peer.waitForClose(timeout: .seconds(10)))
        }
    }

    @Test("a peer that stops in the middle of a data set: aborted after the DIMSE timeout, not the longer idle one")
    func stalledMidMessage() async throws {
        let timeouts = AssociationTimeouts(artim: .seconds(3), acse: .seconds(3), dimse: .seconds(1), idle: .seconds(30))
        let handler = RecordingStoreHandler()
        try await TestServer.with(TestServer.configuration(timeouts: timeouts), handler: handler) { ports in
            let port = try #require(ports.plain)
            let peer = try await RawPeer.connect(port: port)
            try await peer.write(.associateRequest(Self.request()))
            guard case .associateAccept = try await peer.readPDU() else {
                Issue.record("association not accepted")
                return
            }
            let command = CommandSet.storeRequest(messageID: 1, sopClassUID: "1.2.840.10008.5.1.4.1.1.7", sopInstanceUID: "1.2.3.4")
            try await peer.write(.dataTransfer([.init(presentationContextID: 3, isCommand: true, isLast: true, data: command.encoded())]))
            try await peer.write(.dataTransfer([.init(presentationContextID: 3, isCommand: false, isLast: false, data: ByteBuffer(bytes: [0x08, 0x00]))]))
            let start = ContinuousClock.now
            #expect(try await peer.readPDU(timeout: .seconds(10)) == .abort(.byProvider(.notSpecified)))
            #expect(ContinuousClock.now - start < .seconds(8), "aborted only after \(ContinuousClock.now - start)")
        }
    }

    @Test("an idle TCP connection that never associates does not delay others and is closed by ARTIM")
    func silentConnection() async throws {
        try await Self.withServer { port in
            let peer = try await RawPeer.connect(port: port)
            try await Self.expectServes(port)
            #expect(try await peer.waitForClose(timeout: .seconds(10)))
        }
    }

    @Test("data set fragment on an unaccepted context: A-ABORT")
    func unknownContext() async throws {
        try await Self.withServer { port in
            let peer = try await RawPeer.connect(port: port)
            try await peer.write(.associateRequest(Self.request()))
            _ = try await peer.readPDU()
            let command = CommandSet.echoRequest(messageID: 1)
            try await peer.write(.dataTransfer([.init(presentationContextID: 9, isCommand: true, isLast: true, data: command.encoded())]))
            #expect(try await peer.readPDU() == .abort(.byUser))
            try await Self.expectServes(port)
        }
    }
}
