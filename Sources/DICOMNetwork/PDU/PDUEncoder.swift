public import NIOCore

/// Encodes PDUs; each PDU becomes exactly one buffer, written and flushed in one go.
public struct PDUEncoder: MessageToByteEncoder {
    public typealias OutboundIn = PDU

    /// Creates an encoder.
    public init() {}

    /// Encodes `data` into `out`.
    public func encode(data: PDU, out: inout ByteBuffer) throws {
        out.writePDU(data)
    }
}

extension ByteBuffer {
    /// Appends the wire form of `pdu` (header with its length, then the body).
    public mutating func writePDU(_ pdu: PDU) {
        self.writeMultipleIntegers(pdu.typeCode, UInt8(0))
        let lengthIndex = self.writerIndex
        self.writeInteger(UInt32(0))
        let bodyStart = self.writerIndex
        switch pdu {
        case .associateRequest(let rq):
            self.writeAssociationFixedFields(rq.protocolVersion, called: rq.calledAETitle, calling: rq.callingAETitle)
            self.writeUIDItem(0x10, rq.applicationContextName)
            for context in rq.presentationContexts {
                self.writeItem(0x20) { buffer in
                    buffer.writeMultipleIntegers(context.id, UInt8(0), UInt8(0), UInt8(0))
                    buffer.writeUIDItem(0x30, context.abstractSyntax)
                    for syntax in context.transferSyntaxes { buffer.writeUIDItem(0x40, syntax) }
                }
            }
            self.writeUserInformation(rq.userInformation)
        case .associateAccept(let ac):
            self.writeAssociationFixedFields(ac.protocolVersion, called: ac.calledAETitle, calling: ac.callingAETitle)
            self.writeUIDItem(0x10, ac.applicationContextName)
            for context in ac.presentationContexts {
                self.writeItem(0x21) { buffer in
                    buffer.writeMultipleIntegers(context.id, UInt8(0), context.result.rawValue, UInt8(0))
                    buffer.writeUIDItem(0x40, context.transferSyntax)
                }
            }
            self.writeUserInformation(ac.userInformation)
        case .associateReject(let rj):
            self.writeMultipleIntegers(UInt8(0), rj.result.rawValue, rj.source, rj.reason)
        case .dataTransfer(let values):
            for value in values {
                self.writeInteger(UInt32(value.data.readableBytes + 2))
                self.writeMultipleIntegers(value.presentationContextID, value.messageControlHeader)
                var data = value.data
                self.writeBuffer(&data)
            }
        case .releaseRequest, .releaseResponse:
            self.writeInteger(UInt32(0))
        case .abort(let abort):
            self.writeMultipleIntegers(UInt8(0), UInt8(0), abort.source.rawValue, abort.reason.rawValue)
        }
        self.setInteger(UInt32(self.writerIndex - bodyStart), at: lengthIndex)
    }

    private mutating func writeAssociationFixedFields(_ version: UInt16, called: String, calling: String) {
        self.writeMultipleIntegers(version, UInt16(0))
        self.writeAETitle(called)
        self.writeAETitle(calling)
        self.writeRepeatingByte(0, count: 32)
    }

    private mutating func writeAETitle(_ title: String) {
        let bytes = Array(title.utf8.prefix(16))
        self.writeBytes(bytes)
        self.writeRepeatingByte(UInt8(ascii: " "), count: 16 - bytes.count)
    }

    /// Writes an item header with a 2-byte length backfilled after `body` ran.
    private mutating func writeItem(_ type: UInt8, _ body: (inout ByteBuffer) -> Void) {
        self.writeMultipleIntegers(type, UInt8(0))
        let lengthIndex = self.writerIndex
        self.writeInteger(UInt16(0))
        let start = self.writerIndex
        body(&self)
        self.setInteger(UInt16(truncatingIfNeeded: self.writerIndex - start), at: lengthIndex)
    }

    private mutating func writeUIDItem(_ type: UInt8, _ uid: String) {
        self.writeMultipleIntegers(type, UInt8(0), UInt16(uid.utf8.count))
        self.writeString(uid)
    }

    private mutating func writeLengthPrefixed(_ uid: String) {
        self.writeInteger(UInt16(uid.utf8.count))
        self.writeString(uid)
    }

    private mutating func writeUserInformation(_ info: UserInformation) {
        self.writeItem(0x50) { buffer in
            if let max = info.maxLength {
                buffer.writeMultipleIntegers(UInt8(0x51), UInt8(0), UInt16(4), max)
            }
            if let uid = info.implementationClassUID { buffer.writeUIDItem(0x52, uid) }
            if let window = info.asyncOperationsWindow {
                buffer.writeMultipleIntegers(UInt8(0x53), UInt8(0), UInt16(4), window.invoked, window.performed)
            }
            for role in info.roleSelections {
                buffer.writeItem(0x54) { b in
                    b.writeLengthPrefixed(role.sopClassUID)
                    b.writeMultipleIntegers(UInt8(role.scuRole ? 1 : 0), UInt8(role.scpRole ? 1 : 0))
                }
            }
            if let name = info.implementationVersionName { buffer.writeUIDItem(0x55, String(name.prefix(16))) }
            for negotiation in info.extendedNegotiations {
                buffer.writeItem(0x56) { b in
                    b.writeLengthPrefixed(negotiation.sopClassUID)
                    b.writeBytes(negotiation.applicationInformation)
                }
            }
            for negotiation in info.commonExtendedNegotiations {
                buffer.writeItem(0x57) { b in
                    b.writeLengthPrefixed(negotiation.sopClassUID)
                    b.writeLengthPrefixed(negotiation.serviceClassUID)
                    let related = negotiation.relatedGeneralSOPClassUIDs.reduce(0) { $0 + 2 + $1.utf8.count }
                    b.writeInteger(UInt16(truncatingIfNeeded: related))
                    for uid in negotiation.relatedGeneralSOPClassUIDs { b.writeLengthPrefixed(uid) }
                }
            }
            if let identity = info.userIdentity {
                buffer.writeItem(0x58) { b in
                    b.writeMultipleIntegers(identity.type, UInt8(identity.positiveResponseRequested ? 1 : 0))
                    b.writeInteger(UInt16(truncatingIfNeeded: identity.primaryField.count))
                    b.writeBytes(identity.primaryField)
                    b.writeInteger(UInt16(truncatingIfNeeded: identity.secondaryField.count))
                    b.writeBytes(identity.secondaryField)
                }
            }
            if let response = info.userIdentityResponse {
                buffer.writeItem(0x59) { b in
                    b.writeInteger(UInt16(truncatingIfNeeded: response.count))
                    b.writeBytes(response)
                }
            }
            for item in info.unknownItems {
                buffer.writeItem(item.type) { b in b.writeBytes(item.value) }
            }
        }
    }
}
