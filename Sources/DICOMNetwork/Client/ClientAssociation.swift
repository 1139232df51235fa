import DICOM
#if canImport(Glibc)
import Glibc
#endif
import Logging
public import NIOCore
import NIOFileSystem
import NIOPosix

/// An established association on the requestor side; valid only inside
/// `DICOMClient.withAssociation`'s body and used from that task only.
///
/// Operations run one at a time (asynchronous operations window 1).
public final class ClientAssociation {
    /// A presentation context the peer accepted.
    public struct AcceptedContext: Sendable, Hashable {
        /// The context ID.
        public var id: UInt8
        /// The abstract syntax (SOP class) UID.
        public var abstractSyntax: String
        /// The one transfer syntax accepted for it.
        public var transferSyntax: String
    }

    /// The contexts the peer accepted, in proposal order.
    public let acceptedContexts: [AcceptedContext]
    /// The peer's maximum P-DATA-TF length (0 = unlimited).
    public let peerMaxPDULength: UInt32
    /// The peer's A-ASSOCIATE-AC.
    public let accept: AssociateAccept

    /// The association's event loop as a task executor. A sender that only awaits (no blocking
    /// calls) may prefer it (`withTaskExecutorPreference`) around a run of operations, so each
    /// response is handled and the next request written on the thread that read the response.
    public var preferredExecutor: any TaskExecutor { self.executor }

    private let executor: EventLoopTaskExecutor
    private let reader: IndicationReader
    private let outbound: NIOAsyncChannelOutboundWriter<AssociationCommand>
    private let logger: Logger
    private let maxValueLength: Int
    private var nextMessageID: UInt16 = 1
    private var finished = false

    init(
        request: AssociateRequest, accept: AssociateAccept, reader: IndicationReader,
        outbound: NIOAsyncChannelOutboundWriter<AssociationCommand>, eventLoop: any EventLoop, logger: Logger
    ) {
        self.executor = EventLoopTaskExecutor(eventLoop)
        let proposed = Dictionary(request.presentationContexts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.acceptedContexts = accept.presentationContexts.compactMap { result in
            guard result.result == .acceptance, let proposal = proposed[result.id],
                proposal.transferSyntaxes.contains(result.transferSyntax)
            else { return nil }
            return AcceptedContext(id: result.id, abstractSyntax: proposal.abstractSyntax, transferSyntax: result.transferSyntax)
        }
        self.accept = accept
        self.peerMaxPDULength = accept.userInformation.maxLength ?? 0
        self.maxValueLength = PresentationDataValue.maxValueLength(forPeerMaximum: accept.userInformation.maxLength)
        self.reader = reader
        self.outbound = outbound
        self.logger = logger
    }

    /// The transfer syntaxes accepted for `sopClassUID`, so a caller can pick (or convert to) one.
    public func acceptedTransferSyntaxes(for sopClassUID: String) -> [String] {
        self.acceptedContexts.filter { $0.abstractSyntax == sopClassUID }.map(\.transferSyntax)
    }

    /// The context for `sopClassUID` whose transfer syntax is exactly `transferSyntaxUID`.
    public func context(for sopClassUID: String, transferSyntax transferSyntaxUID: String) -> AcceptedContext? {
        self.acceptedContexts.first { $0.abstractSyntax == sopClassUID && $0.transferSyntax == transferSyntaxUID }
    }

    // MARK: Operations

    /// Sends a C-ECHO and returns the response status.
    /// - Throws: `AssociationError` (`.noAcceptedContext` if Verification was not accepted).
    public func echo() async throws -> DIMSEStatus {
        guard let context = self.acceptedContexts.first(where: { $0.abstractSyntax == NetworkUID.verificationSOPClass }) else {
            throw AssociationError(code: .noAcceptedContext, message: "Verification SOP class not accepted")
        }
        let messageID = self.takeMessageID()
        try await self.send(command: .echoRequest(messageID: messageID), contextID: context.id)
        let response = try await self.readResponse(to: messageID)
        return response.status ?? .cannotUnderstand
    }

    /// Sends one object whose data set is read from a file, streamed in fragments sized to
    /// the peer's maximum PDU.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - dataSetOffset: where the data set starts (after the Part 10 meta group, or 0).
    ///   - transferSyntaxUID: the encoding of those bytes; only a context accepted with exactly
    ///     this transfer syntax is used.
    ///   - sopClassUID, sopInstanceUID: the command's affected SOP class and instance.
    /// - Returns: the response status, classified by `StoreOutcome.disposition`.
    /// - Throws: `AssociationError` (`.noAcceptedContext` when no context carries this SOP class
    ///   in this transfer syntax: nothing was sent), or a file system error.
    public func store(
        fileAt path: String,
        dataSetOffset: Int64,
        transferSyntaxUID: String,
        sopClassUID: String,
        sopInstanceUID: String,
        priority: UInt16 = 0,
        moveOriginatorAETitle: String? = nil,
        moveOriginatorMessageID: UInt16? = nil
    ) async throws -> StoreOutcome {
        let context = try self.requireContext(sopClassUID, transferSyntaxUID)
        // Objects up to `wholeReadLength`: one trip to an I/O thread reads the data set, one
        // write hands the command and every fragment to the channel. On a busy machine each
        // hop between threads costs a scheduling delay, and C-STORE waits on each object.
        if let whole = try await Self.readDataSet(path: path, from: dataSetOffset, upTo: Self.wholeReadLength) {
            return try await self.storeWhole(
                whole, context: context, sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID, priority: priority,
                moveOriginatorAETitle: moveOriginatorAETitle, moveOriginatorMessageID: moveOriginatorMessageID)
        }
        // Streamed on the event loop: the writes then reach the channel as they are made, so
        // its writability holds the reader back. Made from another thread, each write is a task
        // queued on the loop, and reading from the page cache outruns the socket: a 500 MB
        // object left ~40 MB queued before the writer ever saw the channel unwritable.
        return try await withTaskExecutorPreference(self.executor) {
            try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
                let size = try await handle.info().size
                guard dataSetOffset >= 0, dataSetOffset <= size else {
                    throw AssociationError(code: .protocolError, message: "data set offset \(dataSetOffset) beyond the file's \(size) bytes")
                }
                let messageID = self.takeMessageID()
                try await self.send(
                    command: .storeRequest(
                        messageID: messageID, sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID, priority: priority,
                        moveOriginatorAETitle: moveOriginatorAETitle, moveOriginatorMessageID: moveOriginatorMessageID),
                    contextID: context.id)
                // Read in large chunks (few trips to the I/O threads), cut each into fragments sized
                // to the peer's PDU and hand a chunk's fragments to the channel in one write (one
                // hop to the event loop, one flush). Memory stays at one chunk per association.
                // One fragment is held back so the last can be flagged as such.
                let fragmentsPerRead = max(1, Self.readLength / self.maxValueLength)
                let readLength = Int64(fragmentsPerRead * self.maxValueLength)
                var held: ByteBuffer?
                var commands: [AssociationCommand] = []
                commands.reserveCapacity(fragmentsPerRead)
                for try await var chunk in handle.readChunks(in: dataSetOffset..<size, chunkLength: .bytes(readLength)) {
                    commands.removeAll(keepingCapacity: true)
                    while let fragment = chunk.readSlice(length: min(self.maxValueLength, chunk.readableBytes)), fragment.readableBytes > 0 {
                        if let previous = held {
                            commands.append(.data([PresentationDataValue(
                                presentationContextID: context.id, isCommand: false, isLast: false, data: previous)]))
                        }
                        held = fragment
                    }
                    if !commands.isEmpty { try await self.outbound.write(contentsOf: commands) }
                }
                try await self.sendData(held ?? ByteBuffer(), contextID: context.id, isLast: true)
                return try await self.storeOutcome(messageID: messageID)
            }
        }
    }

    /// Sends an object read ahead by `readAhead(_:)`: as read when a context carries its SOP
    /// class in its transfer syntax, else as `store(file:)` does (converted from the file).
    /// - Throws: `AssociationError`, as for `store(file:)`.
    public func store(prepared: PreparedDataSet, priority: UInt16 = 0) async throws -> StoreOutcome {
        let file = prepared.file
        guard let context = self.context(for: file.sopClassUID, transferSyntax: file.transferSyntaxUID) else {
            return try await self.store(file: file, priority: priority)
        }
        return try await self.storeWhole(
            prepared.bytes, context: context, sopClassUID: file.sopClassUID, sopInstanceUID: file.sopInstanceUID,
            priority: priority, moveOriginatorAETitle: nil, moveOriginatorMessageID: nil)
    }

    /// Sends one object whose data set is in memory.
    /// - Parameter progress: called with the data set bytes handed to the channel so far.
    /// - Throws: `AssociationError`, as for `store(fileAt:…)`.
    public func store(
        dataSet: ByteBuffer,
        transferSyntaxUID: String,
        sopClassUID: String,
        sopInstanceUID: String,
        priority: UInt16 = 0,
        progress: (Int) -> Void = { _ in }
    ) async throws -> StoreOutcome {
        let context = try self.requireContext(sopClassUID, transferSyntaxUID)
        let messageID = self.takeMessageID()
        try await self.send(
            command: .storeRequest(messageID: messageID, sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID, priority: priority),
            contextID: context.id)
        let values = PresentationDataValue.fragments(
            of: dataSet, contextID: context.id, isCommand: false, maxValueLength: self.maxValueLength)
        var written = 0
        for value in values {
            try await self.outbound.write(.data([value]))
            written += value.data.readableBytes
            progress(written)
        }
        return try await self.storeOutcome(messageID: messageID)
    }

    /// Sends one object whose data set comes from any sequence of buffers (re-chunked into
    /// fragments sized to the peer's maximum PDU).
    /// - Throws: `AssociationError`, or whatever `dataSet` throws (the association is then aborted,
    ///   since a C-STORE cannot be taken back half-sent).
    public func store<DataSet: AsyncSequence<ByteBuffer, any Error>>(
        dataSet: DataSet,
        transferSyntaxUID: String,
        sopClassUID: String,
        sopInstanceUID: String,
        priority: UInt16 = 0
    ) async throws -> StoreOutcome {
        let context = try self.requireContext(sopClassUID, transferSyntaxUID)
        // On the event loop, so the channel's writability holds the producer back (see
        // `store(fileAt:…)`).
        return try await withTaskExecutorPreference(self.executor) {
            let messageID = self.takeMessageID()
            try await self.send(
                command: .storeRequest(messageID: messageID, sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID, priority: priority),
                contextID: context.id)
            var pending = ByteBuffer()
            do {
                for try await var chunk in dataSet {
                    pending.writeBuffer(&chunk)
                    // Keep at least one byte back so the final fragment can carry the "last" flag.
                    while pending.readableBytes > self.maxValueLength {
                        if let fragment = pending.readSlice(length: self.maxValueLength) {
                            try await self.sendData(fragment, contextID: context.id, isLast: false)
                        }
                    }
                    pending.discardReadBytes()
                }
            } catch let error as AssociationError {
                throw error
            } catch {
                await self.abort()
                throw error
            }
            try await self.sendData(pending, contextID: context.id, isLast: true)
            return try await self.storeOutcome(messageID: messageID)
        }
    }

    /// Sends a Part 10 file: as stored if a context carries its SOP class in its transfer
    /// syntax, else converted on the fly to an accepted Explicit/Implicit VR Little Endian context
    /// (native source encodings only). The bytes sent always match the context's syntax.
    /// - Throws: `AssociationError(.noAcceptedContext)` when neither applies (nothing sent).
    public func store(file: DICOMFileSummary, priority: UInt16 = 0) async throws -> StoreOutcome {
        if self.context(for: file.sopClassUID, transferSyntax: file.transferSyntaxUID) != nil {
            return try await self.store(
                fileAt: file.path, dataSetOffset: file.dataSetOffset, transferSyntaxUID: file.transferSyntaxUID,
                sopClassUID: file.sopClassUID, sopInstanceUID: file.sopInstanceUID, priority: priority)
        }
        if DICOMFileSummary.isConvertible(file.transferSyntaxUID) {
            for target in [NetworkUID.explicitVRLittleEndian, NetworkUID.implicitVRLittleEndian]
            where self.context(for: file.sopClassUID, transferSyntax: target) != nil {
                return try await self.store(
                    dataSet: TranscodedDataSet(path: file.path, target: TransferSyntax.forUID(target)),
                    transferSyntaxUID: target, sopClassUID: file.sopClassUID, sopInstanceUID: file.sopInstanceUID,
                    priority: priority)
            }
        }
        _ = try self.requireContext(file.sopClassUID, file.transferSyntaxUID)
        throw AssociationError(code: .noAcceptedContext, message: "no usable context for \(file.sopClassUID)")
    }

    /// Releases the association (A-RELEASE-RQ, waits for A-RELEASE-RP under the ACSE timeout).
    /// Called automatically at the end of `withAssociation`; a second call does nothing.
    public func release() async throws {
        guard !self.finished else { return }
        self.finished = true
        try await self.outbound.write(.releaseRequest)
        while true {
            switch await self.reader.next() {
            case .releaseConfirmed:
                return
            case .releaseRequested:
                // Release collision (PS3.8 §7.2): the requestor answers, then awaits the RP.
                try await self.outbound.write(.releaseResponse)
            case .ended(let error):
                if error.code == .connectionLost { return }  // peer closed right after its RP
                throw error
            default:
                continue  // late fragments are of no interest any more
            }
        }
    }

    /// Aborts the association (A-ABORT, service-user source). Never throws.
    public func abort() async {
        guard !self.finished else { return }
        self.finished = true
        try? await self.outbound.write(.abort)
    }

    // MARK: Internals

    /// Bytes read from a file at a time when streaming it (rounded down to whole fragments).
    static let readLength = 256 * 1024

    /// Data sets up to this size are read whole (one I/O trip) instead of streamed.
    static let wholeReadLength: Int64 = 4 << 20

    /// The data set bytes of the file at `path` from `offset`, read on an I/O thread in one
    /// go (open, size, read, close); nil when they exceed `limit` (then they are streamed).
    static func readDataSet(path: String, from offset: Int64, upTo limit: Int64) async throws -> ByteBuffer? {
        try await NIOThreadPool.singleton.runIfActive { try readDataSetBlocking(path: path, from: offset, upTo: limit) }
    }

    /// Starts reading `file`'s data set, as `prepare(_:)` does, on an I/O thread; the result
    /// arrives on the association's event loop, so a sender preferring `preferredExecutor`
    /// takes it without a trip through the cooperative pool (two thread hand-offs, not four).
    /// The future holds nil when the data set is too large to hold (stream it with `store(file:)`).
    public func readAhead(_ file: DICOMFileSummary) -> EventLoopFuture<PreparedDataSet?> {
        NIOThreadPool.singleton.runIfActive(eventLoop: self.executor.eventLoop) {
            try Self.readDataSetBlocking(path: file.path, from: file.dataSetOffset, upTo: Self.wholeReadLength)
                .map { PreparedDataSet(file: file, bytes: $0) }
        }
    }

    /// The blocking part of `readDataSet`; runs on an I/O thread.
    static func readDataSetBlocking(path: String, from offset: Int64, upTo limit: Int64) throws -> ByteBuffer? {
        do {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw AssociationError(code: .protocolError, message: "cannot open \(path): errno \(errno)")
            }
            defer { close(fd) }
            var status = stat()
            guard fstat(fd, &status) == 0 else {
                throw AssociationError(code: .protocolError, message: "cannot stat \(path): errno \(errno)")
            }
            let size = Int64(status.st_size)
            guard offset >= 0, offset <= size else {
                throw AssociationError(code: .protocolError, message: "data set offset \(offset) beyond the file's \(size) bytes")
            }
            let length = Int(size - offset)
            guard Int64(length) <= limit else { return nil }
            var buffer = ByteBufferAllocator().buffer(capacity: length)
            var filled = 0
            while filled < length {
                let n = buffer.withUnsafeMutableWritableBytes { raw in
                    pread(fd, raw.baseAddress, length - filled, off_t(offset) + off_t(filled))
                }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw AssociationError(code: .protocolError, message: "cannot read \(path): \(n == 0 ? "file shrank" : "errno \(errno)")")
                }
                buffer.moveWriterIndex(forwardBy: n)
                filled += n
            }
            return buffer
        }
    }

    /// The command and every fragment of `dataSet` handed to the channel in one write (one hop
    /// to the event loop, one flush), then the response awaited.
    private func storeWhole(
        _ dataSet: ByteBuffer, context: AcceptedContext, sopClassUID: String, sopInstanceUID: String, priority: UInt16,
        moveOriginatorAETitle: String?, moveOriginatorMessageID: UInt16?
    ) async throws -> StoreOutcome {
        let messageID = self.takeMessageID()
        guard !self.finished else {
            throw AssociationError(code: .notAllowedInState, message: "association already released or aborted")
        }
        let command = CommandSet.storeRequest(
            messageID: messageID, sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID, priority: priority,
            moveOriginatorAETitle: moveOriginatorAETitle, moveOriginatorMessageID: moveOriginatorMessageID)
        var values = PresentationDataValue.fragments(
            of: command.encoded(), contextID: context.id, isCommand: true, maxValueLength: self.maxValueLength)
        values += PresentationDataValue.fragments(
            of: dataSet, contextID: context.id, isCommand: false, maxValueLength: self.maxValueLength)
        try await self.outbound.write(contentsOf: values.map { AssociationCommand.data([$0]) })
        return try await self.storeOutcome(messageID: messageID)
    }

    private func requireContext(_ sopClassUID: String, _ transferSyntaxUID: String) throws -> AcceptedContext {
        guard let context = self.context(for: sopClassUID, transferSyntax: transferSyntaxUID) else {
            let accepted = self.acceptedTransferSyntaxes(for: sopClassUID)
            throw AssociationError(
                code: .noAcceptedContext,
                message: accepted.isEmpty
                    ? "SOP class \(sopClassUID) in \(transferSyntaxUID) not accepted by the peer"
                    : "SOP class \(sopClassUID) accepted only in \(accepted.joined(separator: ", ")), not \(transferSyntaxUID)")
        }
        return context
    }

    private func takeMessageID() -> UInt16 {
        defer { self.nextMessageID = self.nextMessageID == .max ? 1 : self.nextMessageID + 1 }
        return self.nextMessageID
    }

    private func send(command: CommandSet, contextID: UInt8) async throws {
        guard !self.finished else {
            throw AssociationError(code: .notAllowedInState, message: "association already released or aborted")
        }
        let values = PresentationDataValue.fragments(
            of: command.encoded(), contextID: contextID, isCommand: true, maxValueLength: self.maxValueLength)
        for value in values { try await self.outbound.write(.data([value])) }
    }

    private func sendData(_ data: ByteBuffer, contextID: UInt8, isLast: Bool) async throws {
        try await self.outbound.write(
            .data([PresentationDataValue(presentationContextID: contextID, isCommand: false, isLast: isLast, data: data)]))
    }

    private func storeOutcome(messageID: UInt16) async throws -> StoreOutcome {
        let response = try await self.readResponse(to: messageID)
        let outcome = StoreOutcome(status: response.status ?? .cannotUnderstand, errorComment: response.errorComment)
        if outcome.disposition != .delivered {
            self.logger.info("C-STORE not plainly successful", metadata: [
                LogKey.status: "\(outcome.status)", "dicom.error_comment": "\(outcome.errorComment ?? "")",
            ])
        }
        return outcome
    }

    /// Reads the response command set to `messageID`, reassembling its fragments.
    private func readResponse(to messageID: UInt16) async throws -> CommandSet {
        var buffer = ByteBuffer()
        while true {
            switch await self.reader.next() {
            case .value(let value):
                guard value.isCommand else {
                    // A response never carries a data set for C-ECHO/C-STORE.
                    throw await self.protocolError("data set fragment where a response was expected")
                }
                var data = value.data
                guard buffer.readableBytes + data.readableBytes <= CommandSet.maxEncodedLength else {
                    throw await self.protocolError("response command set too large")
                }
                buffer.writeBuffer(&data)
                guard value.isLast else { continue }
                let command: CommandSet
                do {
                    command = try CommandSet.decode(buffer)
                } catch {
                    throw await self.protocolError("\(error)")
                }
                guard command.messageIDBeingRespondedTo == messageID, command.commandField?.isResponse == true else {
                    throw await self.protocolError("response to message \(command.messageIDBeingRespondedTo ?? 0), expected \(messageID)")
                }
                return command
            case .ended(let error):
                self.finished = true
                throw error
            case .releaseRequested:
                throw await self.protocolError("peer requested release while a response was outstanding")
            default:
                throw await self.protocolError("unexpected association PDU")
            }
        }
    }

    private func protocolError(_ message: String) async -> AssociationError {
        self.logger.warning("aborting association: protocol error", metadata: [LogKey.error: "\(message)"])
        let error = AssociationError(code: .protocolError, message: message)
        self.reader.end(error)
        await self.abort()
        return error
    }
}

@available(*, unavailable)
extension ClientAssociation: Sendable {}
