import DICOM
import Logging
import NIOCore

/// The DIMSE message loop of one accepted association: reassembles commands, answers C-ECHO,
/// runs C-STORE through the `StoreHandler`, answers release, aborts on protocol errors.
struct AcceptorSession {
    let info: AssociationInfo
    let handler: any StoreHandler
    let reader: IndicationReader
    let outbound: NIOAsyncChannelOutboundWriter<AssociationCommand>
    let logger: Logger
    /// Accepted contexts: ID → (abstract syntax, transfer syntax).
    let contexts: [UInt8: (abstractSyntax: String, transferSyntax: String)]
    let maxValueLength: Int

    init(
        info: AssociationInfo, request: AssociateRequest, accept: AssociateAccept, handler: any StoreHandler,
        reader: IndicationReader, outbound: NIOAsyncChannelOutboundWriter<AssociationCommand>, logger: Logger
    ) {
        self.info = info
        self.handler = handler
        self.reader = reader
        self.outbound = outbound
        self.logger = logger
        let proposed = Dictionary(request.presentationContexts.map { ($0.id, $0.abstractSyntax) }, uniquingKeysWith: { a, _ in a })
        var contexts: [UInt8: (String, String)] = [:]
        for result in accept.presentationContexts where result.result == .acceptance {
            if let abstractSyntax = proposed[result.id] { contexts[result.id] = (abstractSyntax, result.transferSyntax) }
        }
        self.contexts = contexts
        self.maxValueLength = PresentationDataValue.maxValueLength(forPeerMaximum: request.userInformation.maxLength)
    }

    func run() async throws {
        var command = ByteBuffer()
        var commandContext: UInt8?
        while true {
            switch await self.reader.next() {
            case .value(let value):
                guard value.isCommand else {
                    return try await self.abort("data set fragment where a command was expected")
                }
                guard self.contexts[value.presentationContextID] != nil else {
                    return try await self.abort("fragment on presentation context \(value.presentationContextID), which was not accepted")
                }
                if let commandContext, commandContext != value.presentationContextID {
                    return try await self.abort("command fragments on two presentation contexts")
                }
                commandContext = value.presentationContextID
                var data = value.data
                guard command.readableBytes + data.readableBytes <= CommandSet.maxEncodedLength else {
                    return try await self.abort("command set larger than \(CommandSet.maxEncodedLength) bytes")
                }
                command.writeBuffer(&data)
                if value.isLast {
                    let contextID = value.presentationContextID
                    let set: CommandSet
                    do {
                        set = try CommandSet.decode(command)
                    } catch {
                        return try await self.abort("\(error)")
                    }
                    command.clear()
                    commandContext = nil
                    guard try await self.handle(set, contextID: contextID) else { return }
                }
            case .releaseRequested:
                self.logger.info("association released by peer")
                try await self.outbound.write(.releaseResponse)
                await DICOMServer.waitForEnd(self.reader)
                return
            case .ended(let error):
                if error.code != .connectionLost || command.readableBytes > 0 {
                    self.logger.info("association ended", metadata: [LogKey.error: "\(error)"])
                }
                return
            case .associateRequest, .accepted, .rejected, .releaseConfirmed:
                // The state machine already answered these with an A-ABORT; wait for the end.
                continue
            }
        }
    }

    /// Handles one complete command; returns `false` once the association is over.
    private func handle(_ command: CommandSet, contextID: UInt8) async throws -> Bool {
        guard let field = command.commandField, let context = self.contexts[contextID] else {
            try await self.abort("command without command field")
            return false
        }
        switch field {
        case .cEchoRequest:
            if command.hasDataSet, !(try await self.drain(contextID)) { return false }
            try await self.respond(.response(to: command, status: .success), contextID: contextID)
            return true

        case .cStoreRequest:
            return try await self.store(command, contextID: contextID, context: context)

        case .cCancelRequest:
            return true

        default:
            self.logger.info("unsupported DIMSE command", metadata: ["dicom.command": "\(field)"])
            if command.hasDataSet, !(try await self.drain(contextID)) { return false }
            try await self.respond(.response(to: command, status: .unrecognizedOperation, errorComment: "\(field) not supported"), contextID: contextID)
            return true
        }
    }

    private func store(
        _ command: CommandSet, contextID: UInt8, context: (abstractSyntax: String, transferSyntax: String)
    ) async throws -> Bool {
        var logger = self.logger
        logger[metadataKey: LogKey.messageID] = "\(command.messageID ?? 0)"
        guard command.hasDataSet else {
            try await self.respond(.response(to: command, status: .cannotUnderstand, errorComment: "C-STORE-RQ without data set"), contextID: contextID)
            return true
        }
        let stream = DataSetStream(reader: self.reader, contextID: contextID)
        let result: StoreResult
        if let refusal = Self.check(command, context: context) {
            result = refusal
        } else if let messageID = command.messageID, let sopClass = command.affectedSOPClassUID,
            let sopInstance = command.affectedSOPInstanceUID
        {
            let request = StoreRequest(
                association: self.info, messageID: messageID, sopClassUID: sopClass, sopInstanceUID: sopInstance,
                transferSyntaxUID: context.transferSyntax, presentationContextID: contextID,
                priority: command.priority ?? 0, moveOriginatorAETitle: command.moveOriginatorAETitle,
                moveOriginatorMessageID: command.moveOriginatorMessageID)
            result = await self.handler.store(request, dataSet: stream)
        } else {
            result = .failure(.cannotUnderstand, "C-STORE-RQ lacks a required element")
        }
        do {
            try await stream.drain()
        } catch {
            logger.warning("data set not received completely", metadata: [LogKey.error: "\(error)"])
            if let endError = self.reader.endError, endError.code == .protocolError {
                try await self.abort(endError.message)
            }
            return false
        }
        if result.status.category != .success {
            logger.info("C-STORE answered with non-success status", metadata: [
                LogKey.status: "\(result.status)", "dicom.error_comment": "\(result.errorComment ?? "")",
            ])
        }
        try await self.respond(.response(to: command, status: result.status, errorComment: result.errorComment), contextID: contextID)
        return true
    }

    /// Refuses a C-STORE-RQ that does not fit its presentation context, before the handler sees it.
    static func check(_ command: CommandSet, context: (abstractSyntax: String, transferSyntax: String)) -> StoreResult? {
        guard let sopClass = command.affectedSOPClassUID, command.affectedSOPInstanceUID != nil,
            command.messageID != nil
        else {
            return .failure(.cannotUnderstand, "C-STORE-RQ lacks a required element")
        }
        guard sopClass == context.abstractSyntax else {
            return .failure(.sopClassNotSupported, "SOP class does not match the presentation context")
        }
        // Handlers build storage paths from these UIDs: refuse anything PS3.5 §9.1 does not allow.
        guard let instance = command.affectedSOPInstanceUID, UID.isValid(instance) else {
            return .failure(.invalidSOPInstance, "Affected SOP Instance UID is not a valid UID")
        }
        guard UID.isValid(sopClass) else {
            return .failure(.sopClassNotSupported, "Affected SOP Class UID is not a valid UID")
        }
        return nil
    }

    /// Discards a data set nobody wants; `false` if the association ended meanwhile.
    private func drain(_ contextID: UInt8) async throws -> Bool {
        do {
            try await DataSetStream(reader: self.reader, contextID: contextID).drain()
            return true
        } catch {
            return false
        }
    }

    private func respond(_ command: CommandSet, contextID: UInt8) async throws {
        let values = PresentationDataValue.fragments(
            of: command.encoded(), contextID: contextID, isCommand: true, maxValueLength: self.maxValueLength)
        for value in values { try await self.outbound.write(.data([value])) }
    }

    /// Aborts for a DIMSE protocol error, then waits (under ARTIM) for the peer to close.
    private func abort(_ reason: String) async throws {
        self.logger.warning("aborting association: protocol error", metadata: [LogKey.error: "\(reason)"])
        self.reader.end(AssociationError(code: .protocolError, message: reason))
        try await self.outbound.write(.abort)
        // The connection is closed by the scope; the A-ABORT was written and flushed first.
    }
}
