import NIOCore

/// Parses the body of one PDU whose header and length were already checked.
///
/// Every item length is checked against the bytes left in its enclosing PDU or item before
/// it is read, so nothing is allocated from an unchecked length.
enum PDUParser {
    /// The longest UID item accepted (64 characters plus a little slack for padding).
    static let maxUIDItemLength = 80
    /// The most presentation context items accepted in one PDU (IDs are odd, 1–255).
    static let maxPresentationContexts = 128
    /// The most transfer syntaxes accepted per proposed context.
    static let maxTransferSyntaxesPerContext = 64

    static func parse(type: UInt8, body: inout ByteBuffer) throws(PDUDecodingError) -> PDU {
        switch type {
        case 0x01:
            return .associateRequest(try self.parseAssociateRequest(&body))
        case 0x02:
            return .associateAccept(try self.parseAssociateAccept(&body))
        case 0x03:
            guard let (_, result, source, reason) = body.readMultipleIntegers(as: (UInt8, UInt8, UInt8, UInt8).self)
            else { throw .malformed(type, "A-ASSOCIATE-RJ shorter than 4 bytes") }
            return .associateReject(AssociateReject(result: .init(rawValue: result), source: source, reason: reason))
        case 0x04:
            return .dataTransfer(try self.parseDataTransfer(&body))
        case 0x05, 0x06:
            guard body.readableBytes >= 4 else { throw .malformed(type, "release PDU shorter than 4 bytes") }
            return type == 0x05 ? .releaseRequest : .releaseResponse
        case 0x07:
            guard let (_, _, source, reason) = body.readMultipleIntegers(as: (UInt8, UInt8, UInt8, UInt8).self)
            else { throw .malformed(type, "A-ABORT shorter than 4 bytes") }
            return .abort(Abort(source: .init(rawValue: source), reason: .init(rawValue: reason)))
        default:
            throw PDUDecodingError(
                code: .unrecognizedPDUType, pduType: type, message: "unknown PDU type", abortReason: .unrecognizedPDU)
        }
    }

    // MARK: P-DATA-TF

    static func parseDataTransfer(_ body: inout ByteBuffer) throws(PDUDecodingError) -> [PresentationDataValue] {
        var values: [PresentationDataValue] = []
        while body.readableBytes > 0 {
            guard let length = body.readInteger(endianness: .big, as: UInt32.self) else {
                throw .malformed(0x04, "truncated PDV item header")
            }
            guard length >= 2, Int(length) <= body.readableBytes,
                let (contextID, header) = body.readMultipleIntegers(as: (UInt8, UInt8).self),
                let data = body.readSlice(length: Int(length) - 2)
            else {
                throw .malformed(0x04, "PDV item length \(length) does not fit the PDU")
            }
            guard header & 0xFC == 0 else {
                throw .malformed(0x04, "PDV message control header \(header) has reserved bits set")
            }
            values.append(
                PresentationDataValue(
                    presentationContextID: contextID, isCommand: header & 0x01 != 0,
                    isLast: header & 0x02 != 0, data: data))
        }
        guard !values.isEmpty else { throw .malformed(0x04, "P-DATA-TF without PDV items") }
        return values
    }

    // MARK: A-ASSOCIATE-RQ / -AC

    private struct FixedFields {
        var protocolVersion: UInt16
        var called: String
        var calling: String
    }

    private static func parseFixedFields(_ body: inout ByteBuffer, type: UInt8) throws(PDUDecodingError) -> FixedFields {
        guard body.readableBytes >= 68,
            let version = body.readInteger(endianness: .big, as: UInt16.self)
        else { throw .malformed(type, "association PDU shorter than its 68 fixed bytes") }
        body.moveReaderIndex(forwardBy: 2)
        let called = self.readAETitle(&body)
        let calling = self.readAETitle(&body)
        body.moveReaderIndex(forwardBy: 32)
        return FixedFields(protocolVersion: version, called: called, calling: calling)
    }

    private static func readAETitle(_ body: inout ByteBuffer) -> String {
        let bytes = body.readBytes(length: 16) ?? []
        return String(decoding: bytes, as: UTF8.self).trimmingPadding()
    }

    /// Reads one item header (type, reserved, 2-byte length) and its value as a slice.
    private static func readItem(
        _ body: inout ByteBuffer, pduType: UInt8
    ) throws(PDUDecodingError) -> (type: UInt8, value: ByteBuffer) {
        guard let (itemType, _, length) = body.readMultipleIntegers(endianness: .big, as: (UInt8, UInt8, UInt16).self)
        else { throw .malformed(pduType, "truncated item header") }
        guard let value = body.readSlice(length: Int(length)) else {
            throw .malformed(pduType, "item \(itemType) length \(length) exceeds the bytes left (\(body.readableBytes))")
        }
        return (itemType, value)
    }

    private static func readUID(_ value: ByteBuffer, pduType: UInt8, what: String) throws(PDUDecodingError) -> String {
        guard value.readableBytes <= self.maxUIDItemLength else {
            throw .malformed(pduType, "\(what) of \(value.readableBytes) bytes is too long for a UID")
        }
        return String(decoding: value.readableBytesView, as: UTF8.self).trimmingPadding()
    }

    static func parseAssociateRequest(_ body: inout ByteBuffer) throws(PDUDecodingError) -> AssociateRequest {
        let fixed = try self.parseFixedFields(&body, type: 0x01)
        var applicationContext: String?
        var contexts: [PresentationContextProposal] = []
        var userInformation: UserInformation?
        while body.readableBytes > 0 {
            let (itemType, value) = try self.readItem(&body, pduType: 0x01)
            switch itemType {
            case 0x10:
                applicationContext = try self.readUID(value, pduType: 0x01, what: "application context name")
            case 0x20:
                guard contexts.count < self.maxPresentationContexts else {
                    throw .malformed(0x01, "more than \(self.maxPresentationContexts) presentation contexts")
                }
                contexts.append(try self.parseProposedContext(value))
            case 0x50:
                userInformation = try self.parseUserInformation(value, pduType: 0x01)
            default:
                // PS3.8 §9.3.1: items of unrecognized types are ignored.
                continue
            }
        }
        guard let applicationContext else {
            throw .malformed(0x01, "A-ASSOCIATE-RQ without application context item")
        }
        guard let userInformation else {
            throw .malformed(0x01, "A-ASSOCIATE-RQ without user information item")
        }
        return AssociateRequest(
            protocolVersion: fixed.protocolVersion, calledAETitle: fixed.called, callingAETitle: fixed.calling,
            applicationContextName: applicationContext, presentationContexts: contexts,
            userInformation: userInformation)
    }

    static func parseAssociateAccept(_ body: inout ByteBuffer) throws(PDUDecodingError) -> AssociateAccept {
        let fixed = try self.parseFixedFields(&body, type: 0x02)
        var applicationContext: String?
        var contexts: [PresentationContextResult] = []
        var userInformation: UserInformation?
        while body.readableBytes > 0 {
            let (itemType, value) = try self.readItem(&body, pduType: 0x02)
            switch itemType {
            case 0x10:
                applicationContext = try self.readUID(value, pduType: 0x02, what: "application context name")
            case 0x21:
                guard contexts.count < self.maxPresentationContexts else {
                    throw .malformed(0x02, "more than \(self.maxPresentationContexts) presentation contexts")
                }
                contexts.append(try self.parseContextResult(value))
            case 0x50:
                userInformation = try self.parseUserInformation(value, pduType: 0x02)
            default:
                continue
            }
        }
        guard let applicationContext else {
            throw .malformed(0x02, "A-ASSOCIATE-AC without application context item")
        }
        return AssociateAccept(
            protocolVersion: fixed.protocolVersion, calledAETitle: fixed.called, callingAETitle: fixed.calling,
            applicationContextName: applicationContext, presentationContexts: contexts,
            userInformation: userInformation ?? UserInformation(implementationClassUID: nil, implementationVersionName: nil))
    }

    private static func parseProposedContext(_ item: ByteBuffer) throws(PDUDecodingError) -> PresentationContextProposal {
        var item = item
        guard let (id, _, _, _) = item.readMultipleIntegers(as: (UInt8, UInt8, UInt8, UInt8).self) else {
            throw .malformed(0x01, "presentation context item shorter than 4 bytes")
        }
        var abstractSyntax: String?
        var transferSyntaxes: [String] = []
        while item.readableBytes > 0 {
            let (subType, value) = try self.readItem(&item, pduType: 0x01)
            switch subType {
            case 0x30:
                guard abstractSyntax == nil else {
                    throw .malformed(0x01, "presentation context \(id) has two abstract syntaxes", reason: .unexpectedPDUParameter)
                }
                abstractSyntax = try self.readUID(value, pduType: 0x01, what: "abstract syntax")
            case 0x40:
                guard transferSyntaxes.count < self.maxTransferSyntaxesPerContext else {
                    throw .malformed(0x01, "presentation context \(id) has too many transfer syntaxes")
                }
                transferSyntaxes.append(try self.readUID(value, pduType: 0x01, what: "transfer syntax"))
            default:
                throw .malformed(0x01, "unknown sub-item \(subType) in presentation context", reason: .unrecognizedPDUParameter)
            }
        }
        guard let abstractSyntax else {
            throw .malformed(0x01, "presentation context \(id) without abstract syntax")
        }
        return PresentationContextProposal(id: id, abstractSyntax: abstractSyntax, transferSyntaxes: transferSyntaxes)
    }

    private static func parseContextResult(_ item: ByteBuffer) throws(PDUDecodingError) -> PresentationContextResult {
        var item = item
        guard let (id, _, result, _) = item.readMultipleIntegers(as: (UInt8, UInt8, UInt8, UInt8).self) else {
            throw .malformed(0x02, "presentation context item shorter than 4 bytes")
        }
        var transferSyntax = ""
        while item.readableBytes > 0 {
            let (subType, value) = try self.readItem(&item, pduType: 0x02)
            if subType == 0x40 {
                transferSyntax = try self.readUID(value, pduType: 0x02, what: "transfer syntax")
            }
        }
        return PresentationContextResult(id: id, result: .init(rawValue: result), transferSyntax: transferSyntax)
    }

    // MARK: User information

    static func parseUserInformation(_ item: ByteBuffer, pduType: UInt8) throws(PDUDecodingError) -> UserInformation {
        var item = item
        var info = UserInformation(implementationClassUID: nil, implementationVersionName: nil)
        while item.readableBytes > 0 {
            let (subType, value) = try self.readItem(&item, pduType: pduType)
            var v = value
            switch subType {
            case 0x51:
                guard v.readableBytes == 4, let max = v.readInteger(endianness: .big, as: UInt32.self) else {
                    throw .malformed(pduType, "maximum length sub-item is not 4 bytes")
                }
                info.maxLength = max
            case 0x52:
                info.implementationClassUID = try self.readUID(v, pduType: pduType, what: "implementation class UID")
            case 0x53:
                guard v.readableBytes == 4, let (invoked, performed) = v.readMultipleIntegers(endianness: .big, as: (UInt16, UInt16).self)
                else { throw .malformed(pduType, "asynchronous operations window sub-item is not 4 bytes") }
                info.asyncOperationsWindow = .init(invoked: invoked, performed: performed)
            case 0x54:
                let uid = try self.readLengthPrefixedUID(&v, pduType: pduType)
                guard let (scu, scp) = v.readMultipleIntegers(as: (UInt8, UInt8).self) else {
                    throw .malformed(pduType, "truncated role selection sub-item")
                }
                info.roleSelections.append(.init(sopClassUID: uid, scuRole: scu != 0, scpRole: scp != 0))
            case 0x55:
                guard v.readableBytes <= 16 else { throw .malformed(pduType, "implementation version name longer than 16") }
                info.implementationVersionName = String(decoding: v.readableBytesView, as: UTF8.self).trimmingPadding()
            case 0x56:
                let uid = try self.readLengthPrefixedUID(&v, pduType: pduType)
                info.extendedNegotiations.append(.init(sopClassUID: uid, applicationInformation: Array(v.readableBytesView)))
            case 0x57:
                let sopClass = try self.readLengthPrefixedUID(&v, pduType: pduType)
                let serviceClass = try self.readLengthPrefixedUID(&v, pduType: pduType)
                guard let relatedLength = v.readInteger(endianness: .big, as: UInt16.self),
                    var related = v.readSlice(length: Int(relatedLength))
                else { throw .malformed(pduType, "truncated common extended negotiation sub-item") }
                var relatedUIDs: [String] = []
                while related.readableBytes > 0 {
                    relatedUIDs.append(try self.readLengthPrefixedUID(&related, pduType: pduType))
                }
                info.commonExtendedNegotiations.append(
                    .init(sopClassUID: sopClass, serviceClassUID: serviceClass, relatedGeneralSOPClassUIDs: relatedUIDs))
            case 0x58:
                guard let (type, positive) = v.readMultipleIntegers(as: (UInt8, UInt8).self),
                    let primaryLength = v.readInteger(endianness: .big, as: UInt16.self),
                    let primary = v.readBytes(length: Int(primaryLength)),
                    let secondaryLength = v.readInteger(endianness: .big, as: UInt16.self),
                    let secondary = v.readBytes(length: Int(secondaryLength))
                else { throw .malformed(pduType, "truncated user identity sub-item") }
                info.userIdentity = .init(
                    type: type, positiveResponseRequested: positive != 0, primaryField: primary, secondaryField: secondary)
            case 0x59:
                guard let length = v.readInteger(endianness: .big, as: UInt16.self),
                    let response = v.readBytes(length: Int(length))
                else { throw .malformed(pduType, "truncated user identity response sub-item") }
                info.userIdentityResponse = response
            default:
                info.unknownItems.append(.init(type: subType, value: Array(v.readableBytesView)))
            }
        }
        return info
    }

    private static func readLengthPrefixedUID(_ v: inout ByteBuffer, pduType: UInt8) throws(PDUDecodingError) -> String {
        guard let length = v.readInteger(endianness: .big, as: UInt16.self),
            let bytes = v.readSlice(length: Int(length))
        else { throw .malformed(pduType, "truncated UID in user information sub-item") }
        return try self.readUID(bytes, pduType: pduType, what: "UID")
    }
}

extension String {
    /// Drops leading and trailing spaces and trailing NULs (AE title and UID padding).
    func trimmingPadding() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last == " " || last == "\0" { scalars.removeLast() }
        while let first = scalars.first, first == " " { scalars.removeFirst() }
        return String(scalars)
    }
}
