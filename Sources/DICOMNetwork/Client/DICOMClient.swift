public import Logging
public import NIOCore
public import NIOPosix
import NIOSSL

/// The DICOM requestor (SCU): opens associations and runs C-ECHO and C-STORE on them.
///
/// Associations are scoped: `withAssociation` connects, negotiates, runs the body, then releases
/// (or aborts if the body threw) and closes. Errors are `AssociationError`s; use
/// `AssociationError.isRetryable` and `StoreOutcome.disposition` to tell retryable from permanent.
public struct DICOMClient: Sendable {
    /// Client configuration.
    public struct Configuration: Sendable, Hashable {
        /// Our AE title.
        public var callingAETitle: String
        /// The peer's AE title.
        public var calledAETitle: String
        /// The maximum P-DATA-TF length we advertise and accept.
        public var maxPDULength: UInt32
        /// ACSE, DIMSE and ARTIM timeouts.
        public var timeouts: AssociationTimeouts
        /// TCP connect timeout.
        public var connectTimeout: TimeAmount
        /// TLS, or `nil` for plain TCP.
        public var tls: TLSSettings?

        /// Creates a configuration.
        public init(
            callingAETitle: String,
            calledAETitle: String,
            maxPDULength: UInt32 = 65536,
            timeouts: AssociationTimeouts = AssociationTimeouts(),
            connectTimeout: TimeAmount = .seconds(10),
            tls: TLSSettings? = nil
        ) {
            self.callingAETitle = callingAETitle
            self.calledAETitle = calledAETitle
            self.maxPDULength = maxPDULength
            self.timeouts = timeouts
            self.connectTimeout = connectTimeout
            self.tls = tls
        }
    }

    /// An abstract syntax to propose with the transfer syntaxes we can send it in.
    public struct ProposedContext: Sendable, Hashable {
        /// The SOP class UID.
        public var abstractSyntax: String
        /// Transfer syntax UIDs, preferred first.
        public var transferSyntaxes: [String]
        /// Creates a proposed context.
        public init(abstractSyntax: String, transferSyntaxes: [String]) {
            self.abstractSyntax = abstractSyntax
            self.transferSyntaxes = transferSyntaxes
        }
    }

    let configuration: Configuration
    let group: any EventLoopGroup
    let logger: Logger

    /// Creates a client.
    public init(
        configuration: Configuration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.group = eventLoopGroup
        self.logger = logger
    }

    /// Builds the A-ASSOCIATE-RQ: one context per proposal (IDs 1, 3, 5, …), at most 128.
    public func makeRequest(_ contexts: [ProposedContext]) throws -> AssociateRequest {
        guard !contexts.isEmpty, contexts.count <= 128 else {
            throw AssociationError(code: .noAcceptedContext, message: "between 1 and 128 presentation contexts must be proposed, got \(contexts.count)")
        }
        return AssociateRequest(
            calledAETitle: self.configuration.calledAETitle,
            callingAETitle: self.configuration.callingAETitle,
            presentationContexts: contexts.enumerated().map { index, context in
                PresentationContextProposal(
                    id: UInt8(2 * index + 1), abstractSyntax: context.abstractSyntax, transferSyntaxes: context.transferSyntaxes)
            },
            userInformation: UserInformation(maxLength: self.configuration.maxPDULength))
    }

    /// Opens an association, runs `body`, then releases it.
    ///
    /// If `body` throws, the association is aborted instead and the error rethrown.
    /// - Throws: `AssociationError` (`.rejected` with the A-ASSOCIATE-RJ, `.connectFailed`,
    ///   `.tlsFailed`, `.timedOut`, …) or whatever `body` throws.
    public func withAssociation<Result>(
        host: String,
        port: Int,
        contexts: [ProposedContext],
        _ body: (ClientAssociation) async throws -> Result
    ) async throws -> Result {
        let request = try self.makeRequest(contexts)
        let tlsContext = try self.configuration.tls.map { try $0.makeClientContext() }
        var logger = self.logger
        logger[metadataKey: LogKey.peer] = "\(host):\(port)"
        logger[metadataKey: LogKey.calledAE] = "\(self.configuration.calledAETitle)"
        let handlerLogger = logger
        let timeouts = self.configuration.timeouts
        let maxPDULength = self.configuration.maxPDULength
        let serverHostname = Self.isIPAddress(host) ? nil : host
        let channel: NIOAsyncChannel<AssociationStateMachine.Indication, AssociationCommand>
        do {
            channel = try await ClientBootstrap(group: self.group)
                .connectTimeout(self.configuration.connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let tlsContext {
                            try sync.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname))
                        }
                        try sync.addHandler(ByteToMessageHandler(PDUDecoder(maxDataTransferLength: maxPDULength)))
                        try sync.addHandler(MessageToByteHandler(PDUEncoder()))
                        try sync.addHandler(AssociationHandler(requestorRequest: request, timeouts: timeouts, logger: handlerLogger))
                        return try NIOAsyncChannel<AssociationStateMachine.Indication, AssociationCommand>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8)))
                    }
                }
        } catch {
            throw AssociationError(code: .connectFailed, message: "\(host):\(port): \(error)")
        }
        let eventLoop = channel.channel.eventLoop
        return try await channel.executeThenClose { inbound, outbound in
            let reader = IndicationReader(inbound)
            let accept: AssociateAccept
            switch await reader.next() {
            case .accepted(let ac):
                accept = ac
            case .rejected(let rj):
                throw AssociationError(
                    code: .rejected,
                    message: "result \(rj.result.rawValue), source \(rj.source), reason \(rj.reason)", reject: rj)
            case .ended(let error):
                throw error
            default:
                throw AssociationError(code: .protocolError, message: "unexpected answer to A-ASSOCIATE-RQ")
            }
            let association = ClientAssociation(
                request: request, accept: accept, reader: reader, outbound: outbound, eventLoop: eventLoop, logger: logger)
            let result: Result
            do {
                result = try await body(association)
            } catch {
                await association.abort()
                throw error
            }
            try await association.release()
            return result
        }
    }

    private static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
