public import Logging
public import NIOCore
public import NIOPosix
import NIOSSL
import Synchronization

/// The DICOM acceptor (SCP): plain and TLS listeners, association negotiation, C-ECHO, and
/// C-STORE delivered to a `StoreHandler`.
///
/// A long-running service: `run()` binds the listeners, serves until its task is cancelled, then
/// closes them. Each association runs in its own child task; a slow or hostile peer only ever
/// holds its own task and connection.
public final class DICOMServer: Sendable {
    /// Server configuration.
    public struct Configuration: Sendable {
        /// Address to bind.
        public var host: String
        /// Plain DICOM port (`nil` disables the plain listener; 0 picks a free port).
        public var port: Int?
        /// TLS port (`nil` disables the TLS listener; 0 picks a free port).
        public var tlsPort: Int?
        /// TLS settings for the TLS listener.
        public var tls: TLSSettings?
        /// Negotiation policy: AE titles, callers, abstract and transfer syntaxes, max PDU.
        public var policy: AcceptancePolicy
        /// Where the TLS listener takes each connection's context; nil: one built from `tls`
        /// at start-up. Give one to replace the certificate without a restart.
        public var tlsContextProvider: TLSContextProvider?
        /// Concurrent associations; further ones are rejected (transient, local limit exceeded).
        public var maxAssociations: Int
        /// ARTIM, ACSE, DIMSE and idle timeouts.
        public var timeouts: AssociationTimeouts

        /// Creates a configuration.
        public init(
            host: String = "0.0.0.0",
            port: Int? = 11112,
            tlsPort: Int? = nil,
            tls: TLSSettings? = nil,
            policy: AcceptancePolicy,
            maxAssociations: Int = 64,
            timeouts: AssociationTimeouts = AssociationTimeouts()
        ) {
            self.host = host
            self.port = port
            self.tlsPort = tlsPort
            self.tls = tls
            self.policy = policy
            self.maxAssociations = maxAssociations
            self.timeouts = timeouts
        }
    }

    /// The ports actually bound (useful with port 0).
    public struct ListeningPorts: Sendable, Hashable {
        /// The plain listener's port.
        public var plain: Int?
        /// The TLS listener's port.
        public var tls: Int?
    }

    private struct State {
        var ports: ListeningPorts?
        var failure: (any Error)?
        var waiters: [CheckedContinuation<ListeningPorts, any Error>] = []
        var active = 0
        var nextID: UInt64 = 1
        var listeners: [any Channel] = []
        var draining = false
    }

    let configuration: Configuration
    let handler: any StoreHandler
    let observer: (any AssociationObserver)?
    let logger: Logger
    private let group: any EventLoopGroup
    private let state = Mutex(State())

    /// Creates a server; nothing is bound until `run()`.
    public init(
        configuration: Configuration,
        handler: any StoreHandler,
        observer: (any AssociationObserver)? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.handler = handler
        self.observer = observer
        self.group = eventLoopGroup
        self.logger = logger
    }

    /// Waits until the listeners are bound and returns their ports.
    /// - Throws: the error that made `run()` fail to bind.
    public func listeningPorts() async throws -> ListeningPorts {
        try await withCheckedThrowingContinuation { continuation in
            let immediate: Result<ListeningPorts, any Error>? = self.state.withLock { state in
                if let ports = state.ports { return .success(ports) }
                if let failure = state.failure { return .failure(failure) }
                state.waiters.append(continuation)
                return nil
            }
            if let immediate { continuation.resume(with: immediate) }
        }
    }

    private func publish(_ result: Result<ListeningPorts, any Error>) {
        let waiters = self.state.withLock { state in
            switch result {
            case .success(let ports): state.ports = ports
            case .failure(let error): state.failure = error
            }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    /// Binds the listeners and serves associations until the task is cancelled.
    /// - Throws: bind or TLS configuration errors.
    public func run() async throws {
        typealias Listener = NIOAsyncChannel<AcceptedConnection, Never>
        var listeners: [(Listener, Bool)] = []
        do {
            if let port = self.configuration.port {
                listeners.append((try await self.bind(port: port, tls: nil), false))
            }
            if let tlsPort = self.configuration.tlsPort {
                let provider: TLSContextProvider
                if let given = self.configuration.tlsContextProvider {
                    provider = given
                } else if let tls = self.configuration.tls {
                    provider = try TLSContextProvider(settings: tls)
                } else {
                    throw AssociationError(code: .tlsFailed, message: "a TLS port is configured without TLS settings")
                }
                listeners.append((try await self.bind(port: tlsPort, tls: provider), true))
            }
        } catch {
            for (listener, _) in listeners { try? await listener.channel.close() }
            self.publish(.failure(error))
            throw error
        }
        let ports = ListeningPorts(
            plain: listeners.first { !$0.1 }?.0.channel.localAddress?.port,
            tls: listeners.first { $0.1 }?.0.channel.localAddress?.port)
        self.logger.info("DICOM listeners bound", metadata: ["dicom.port": "\(ports.plain.map(String.init) ?? "-")", "dicom.tls_port": "\(ports.tls.map(String.init) ?? "-")"])
        self.publish(.success(ports))
        let closeNow = self.state.withLock { state in
            state.listeners = listeners.map { $0.0.channel }
            return state.draining
        }
        if closeNow {
            for (listener, _) in listeners { listener.channel.close(promise: nil) }
        }

        try await withThrowingDiscardingTaskGroup { group in
            for (listener, _) in listeners {
                group.addTask {
                    try await listener.executeThenClose { connections in
                        try await withThrowingDiscardingTaskGroup { associations in
                            for try await connection in connections {
                                associations.addTask { await self.serve(connection) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Begins a graceful shutdown: the listeners close (no new associations), associations
    /// in progress finish the operation at hand (a C-STORE in flight is answered) and are then
    /// aborted, and ``run()`` returns once the last one has ended.
    public func shutdownGracefully() {
        let listeners = self.state.withLock { state in
            state.draining = true
            return state.listeners
        }
        for listener in listeners { listener.close(promise: nil) }
    }

    /// Whether ``shutdownGracefully()`` was called.
    var isDraining: Bool { self.state.withLock { $0.draining } }

    private func bind(port: Int, tls: TLSContextProvider?) async throws -> NIOAsyncChannel<AcceptedConnection, Never> {
        let policy = self.configuration.policy
        let timeouts = self.configuration.timeouts
        let baseLogger = self.logger
        return try await ServerBootstrap(group: self.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 16384, maximum: 256 * 1024))
            .bind(host: self.configuration.host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let id = self.state.withLock { state in
                        defer { state.nextID += 1 }
                        return state.nextID
                    }
                    var logger = baseLogger
                    logger[metadataKey: LogKey.associationID] = "\(id)"
                    logger[metadataKey: LogKey.peer] = "\(channel.remoteAddress?.ipAddress ?? "?")"
                    let sync = channel.pipeline.syncOperations
                    // Read per connection, so a reloaded certificate serves the next association.
                    let tlsContext = tls?.current
                    if let tlsContext {
                        try sync.addHandler(PlainDICOMOnTLSPortDetector(logger: logger))
                        try sync.addHandler(NIOSSLServerHandler(context: tlsContext))
                    }
                    try sync.addHandler(ByteToMessageHandler(PDUDecoder(maxDataTransferLength: policy.maxPDULength)))
                    try sync.addHandler(MessageToByteHandler(PDUEncoder()))
                    try sync.addHandler(AssociationHandler(acceptorTimeouts: timeouts, logger: logger))
                    // Each element is one read burst of P-DATA (at most a few hundred KiB, see the
                    // receive allocator); a handful buffered keeps the socket busy between handler
                    // pulls and still bounds memory per association.
                    let asyncChannel = try NIOAsyncChannel<AssociationStateMachine.Indication, AssociationCommand>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 4)))
                    return AcceptedConnection(id: id, isTLS: tlsContext != nil, logger: logger, channel: asyncChannel)
                }
            }
    }

    private func admit() -> Bool {
        self.state.withLock { state in
            guard state.active < self.configuration.maxAssociations else { return false }
            state.active += 1
            return true
        }
    }

    private func leave() {
        self.state.withLock { $0.active -= 1 }
    }

    /// Serves one connection on its channel's event loop: each PDU read and each answer
    /// written without a hand-off to the cooperative pool and back (on the benchmark VM, two
    /// context switches fewer per object and about 10% less CPU). The handler keeps blocking
    /// calls on its thread pools (see `StoreHandler`).
    private func serve(_ connection: AcceptedConnection) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(connection.channel.channel.eventLoop)) {
            await self.serveOnLoop(connection)
        }
    }

    private func serveOnLoop(_ connection: AcceptedConnection) async {
        let admitted = self.admit()
        defer { if admitted { self.leave() } }
        var logger = connection.logger
        do {
            try await connection.channel.executeThenClose { inbound, outbound in
                let reader = IndicationReader(inbound)
                guard case .associateRequest(let request) = await reader.next() else { return }
                logger[metadataKey: LogKey.callingAE] = "\(request.callingAETitle)"
                logger[metadataKey: LogKey.calledAE] = "\(request.calledAETitle)"
                let peerAddress = connection.channel.channel.remoteAddress?.ipAddress
                let rejected = { (reject: AssociateReject, reason: String) in
                    self.observer?.associationRejected(AssociationRejection(
                        category: AssociationRejection.category(of: reject), reason: reason,
                        isPermanent: reject.result == .permanent, callingAETitle: request.callingAETitle,
                        calledAETitle: request.calledAETitle, peerAddress: peerAddress, isTLS: connection.isTLS))
                }
                guard admitted else {
                    logger.warning("association rejected: too many associations", metadata: ["dicom.max_associations": "\(self.configuration.maxAssociations)"])
                    rejected(.localLimitExceeded, "too many associations (dicom.max_associations \(self.configuration.maxAssociations))")
                    try await outbound.write(.reject(.localLimitExceeded))
                    await Self.waitForEnd(reader)
                    return
                }
                switch AssociationNegotiator.negotiate(request, policy: self.configuration.policy, peerAddress: peerAddress) {
                case .reject(let reject, let reason):
                    logger.warning("association rejected", metadata: ["dicom.reason": "\(reason)"])
                    rejected(reject, reason)
                    try await outbound.write(.reject(reject))
                    await Self.waitForEnd(reader)
                case .accept(let accept):
                    logger.info("association accepted", metadata: [
                        "dicom.contexts_accepted": "\(accept.presentationContexts.filter { $0.result == .acceptance }.count)"
                    ])
                    try await outbound.write(.accept(accept))
                    let info = AssociationInfo(
                        id: connection.id, callingAETitle: request.callingAETitle, calledAETitle: request.calledAETitle,
                        peerAddress: peerAddress, isTLS: connection.isTLS,
                        implementationClassUID: request.userInformation.implementationClassUID,
                        implementationVersionName: request.userInformation.implementationVersionName)
                    self.observer?.associationAccepted(info)
                    defer { self.observer?.associationEnded(info) }
                    let session = AcceptorSession(
                        info: info, request: request, accept: accept, handler: self.handler,
                        reader: reader, outbound: outbound, logger: logger,
                        isDraining: { [weak self] in self?.isDraining ?? true })
                    try await session.run()
                }
            }
        } catch {
            logger.debug("association ended with error", metadata: [LogKey.error: "\(error)"])
        }
    }

    /// Sta13: wait (bounded by ARTIM) for the peer to close.
    static func waitForEnd(_ reader: IndicationReader) async {
        while true {
            if case .ended = await reader.next() { return }
        }
    }
}

/// One accepted TCP connection, with the pipeline installed.
struct AcceptedConnection: Sendable {
    let id: UInt64
    let isTLS: Bool
    let logger: Logger
    let channel: NIOAsyncChannel<AssociationStateMachine.Indication, AssociationCommand>
}
