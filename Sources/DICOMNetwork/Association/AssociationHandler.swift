public import Logging
public import NIOCore
import NIOSSL

/// Carries out the `AssociationStateMachine`'s actions on a channel.
///
/// Sits between the PDU codec and the async side (`NIOAsyncChannel`): inbound it turns PDUs and
/// decoding errors into state machine events and forwards the resulting indications; outbound it
/// turns `AssociationCommand`s into local primitives and writes the PDUs the machine emits. It owns
/// the timers: ARTIM from the machine, and an inactivity timer (ACSE, DIMSE or idle depending on
/// the state and role) armed only while a read is pending, so a consumer applying back-pressure
/// never makes the peer look idle.
public final class AssociationHandler: ChannelDuplexHandler {
    public typealias InboundIn = PDU
    public typealias InboundOut = AssociationStateMachine.Indication
    public typealias OutboundIn = AssociationCommand
    public typealias OutboundOut = PDU

    private var machine: AssociationStateMachine
    private let request: AssociateRequest?
    private let timeouts: AssociationTimeouts
    private let logger: Logger
    private var started = false
    private var artimTimer: Scheduled<Void>?
    private var inactivityTimer: Scheduled<Void>?
    /// Acceptor only: the peer finished a data set and is waiting for our response.
    private var peerAwaitsResponse = false
    /// Acceptor: a DIMSE message is partly received (a fragment not marked last, or a command
    /// whose data set or answer is still to come), so the DIMSE timeout applies, not idle.
    /// When the armed inactivity timer fires.
    private var inactivityDue: NIODeadline?
    private var messageInProgress = false
    private var lastWrite: EventLoopFuture<Void>?
    /// A read was requested downstream and no data has arrived since.
    private var readPending = false
    /// The last channel error, reported with a lost connection.
    private var lastError: String?
    /// When a PDU last arrived or was sent, or a read was newly requested.
    private var lastActivity = NIODeadline.now()
    /// P-DATA values decoded in the current read burst, delivered together at read complete:
    /// one async hand-off per socket read instead of one per PDU.
    private var pendingData: [PresentationDataValue] = []

    /// Creates an acceptor-side handler.
    public init(acceptorTimeouts timeouts: AssociationTimeouts, logger: Logger) {
        self.machine = AssociationStateMachine(role: .acceptor)
        self.request = nil
        self.timeouts = timeouts
        self.logger = logger
    }

    /// Creates a requestor-side handler that sends `request` once the channel is active.
    public init(requestorRequest request: AssociateRequest, timeouts: AssociationTimeouts, logger: Logger) {
        self.machine = AssociationStateMachine(role: .requestor)
        self.request = request
        self.timeouts = timeouts
        self.logger = logger
    }

    // MARK: Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.start(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        self.start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard !self.started else { return }
        self.started = true
        if let request = self.request {
            self.run(self.machine.handle(.localAssociateRequest(request)), context: context)
            self.run(self.machine.handle(.transportConnected), context: context)
        } else {
            self.run(self.machine.handle(.transportAccepted), context: context)
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        self.cancelTimers()
        self.run(self.machine.handle(.transportClosed), context: context)
        self.flushData(context: context)
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        self.cancelTimers()
    }

    // MARK: Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.readPending = false
        self.lastActivity = .now()
        let pdu = self.unwrapInboundIn(data)
        if self.machine.role == .acceptor, case .dataTransfer(let values) = pdu {
            for value in values {
                if value.isLast && !value.isCommand {
                    self.peerAwaitsResponse = true
                    self.messageInProgress = false
                } else {
                    self.messageInProgress = true
                }
            }
        }
        self.run(self.machine.handle(.received(pdu)), context: context)
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        self.flushData(context: context)
        context.fireChannelReadComplete()
    }

    private func flushData(context: ChannelHandlerContext) {
        guard !self.pendingData.isEmpty else { return }
        let values = self.pendingData
        self.pendingData = []
        context.fireChannelRead(self.wrapInboundOut(.data(values)))
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? PDUDecodingError {
            if error.code == .tlsHandshakeOnPlainPort {
                self.logger.warning("TLS ClientHello received on a plain DICOM port; is the peer configured for TLS?")
            } else {
                self.logger.warning("invalid PDU", metadata: [LogKey.error: "\(error)"])
            }
            self.run(self.machine.handle(.invalidPDU(error.abortReason)), context: context)
        } else if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            // NIOSSLExtraError carries the host name check's refusal (failedToValidateHostname).
            self.lastError = "TLS handshake or record failure: \(error)"
            self.logger.warning("TLS failure", metadata: [LogKey.error: "\(error)"])
            context.close(promise: nil)
        } else {
            self.lastError = "\(error)"
            self.logger.debug("channel error", metadata: [LogKey.error: "\(error)"])
            context.close(promise: nil)
        }
    }

    // MARK: Outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let command = self.unwrapOutboundIn(data)
        let event: AssociationStateMachine.Event
        switch command {
        case .accept(let ac): event = .localAccept(ac)
        case .reject(let rj): event = .localReject(rj)
        case .data(let values):
            event = .localData(values)
            self.peerAwaitsResponse = false
            self.messageInProgress = false
        case .releaseRequest: event = .localReleaseRequest
        case .releaseResponse: event = .localReleaseResponse
        case .abort: event = .localAbort
        }
        self.run(self.machine.handle(event), context: context, promise: promise)
    }

    public func read(context: ChannelHandlerContext) {
        // Time spent without a pending read (back-pressure from our consumer) is not the peer's.
        if !self.readPending { self.lastActivity = .now() }
        self.readPending = true
        self.armInactivityTimer(context: context)
        context.read()
    }

    // MARK: Actions

    private func run(
        _ actions: [AssociationStateMachine.Action],
        context: ChannelHandlerContext,
        promise: EventLoopPromise<Void>? = nil
    ) {
        var promise = promise
        for action in actions {
            switch action {
            case .connectTransport:
                // The bootstrap connected before this handler started; Evt2 follows at once.
                break
            case .send(let pdu):
                // One PDU, one buffer, one write and flush (no Nagle stalls, no interleaving).
                let write = context.writeAndFlush(self.wrapOutboundOut(pdu))
                if let p = promise {
                    write.cascade(to: p)
                    promise = nil
                }
                self.lastWrite = write
                self.lastActivity = .now()
            case .startARTIM:
                self.artimTimer?.cancel()
                let loop = context.eventLoop.assumeIsolated()
                self.artimTimer = loop.scheduleTask(in: self.timeouts.artim) {
                    self.logger.debug("ARTIM timer expired")
                    self.run(self.machine.handle(.artimExpired), context: context)
                }
            case .stopARTIM:
                self.artimTimer?.cancel()
                self.artimTimer = nil
            case .closeTransport:
                self.cancelTimers()
                if let lastWrite = self.lastWrite {
                    lastWrite.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                } else {
                    context.close(promise: nil)
                }
            case .indicate(.data(let values)):
                self.pendingData.append(contentsOf: values)
            case .indicate(.connectionLost(nil)):
                self.flushData(context: context)
                context.fireChannelRead(self.wrapInboundOut(.connectionLost(self.lastError)))
            case .indicate(let indication):
                self.flushData(context: context)
                context.fireChannelRead(self.wrapInboundOut(indication))
            case .rejectLocalRequest:
                promise?.fail(
                    AssociationError(code: .notAllowedInState, message: "state \(self.machine.state)"))
                promise = nil
            }
        }
        promise?.succeed(())
        // A state change may make a timeout apply to a read that is already pending.
        if self.readPending { self.armInactivityTimer(context: context) }
    }

    /// The inactivity timeout that applies now, if any.
    private func inactivityTimeout() -> TimeAmount? {
        switch self.machine.state {
        case .sta5, .sta7, .sta10, .sta11:
            return self.timeouts.acse
        case .sta6, .sta8, .sta9, .sta12:
            if self.machine.role == .acceptor {
                // The peer waiting for our C-STORE-RSP is not idle; one in the middle of a
                // message gets the DIMSE timeout; between messages it may idle longer.
                if self.peerAwaitsResponse { return nil }
                return self.messageInProgress ? self.timeouts.dimse : self.timeouts.idle
            }
            return self.timeouts.dimse
        default:
            return nil  // Sta2 and Sta13 are bounded by ARTIM.
        }
    }

    /// Arms the inactivity timer unless none applies or one already fires early enough. The
    /// timer is not rescheduled per PDU: when it fires it checks the time since the last
    /// activity and re-arms for the remainder. It is moved earlier when a shorter timeout
    /// starts to apply (idle between messages, then DIMSE in the middle of one).
    private func armInactivityTimer(context: ChannelHandlerContext) {
        guard let timeout = self.inactivityTimeout() else { return }
        let due = NIODeadline.now() + timeout
        if self.inactivityTimer != nil {
            guard let armed = self.inactivityDue, due < armed else { return }
            self.inactivityTimer?.cancel()
            self.inactivityTimer = nil
        }
        self.scheduleInactivityCheck(in: timeout, context: context)
    }

    private func scheduleInactivityCheck(in delay: TimeAmount, context: ChannelHandlerContext) {
        let loop = context.eventLoop.assumeIsolated()
        self.inactivityDue = NIODeadline.now() + delay
        self.inactivityTimer = loop.scheduleTask(in: delay) {
            self.inactivityTimer = nil
            self.inactivityDue = nil
            guard self.readPending, let timeout = self.inactivityTimeout() else { return }
            let quiet = NIODeadline.now() - self.lastActivity
            if quiet < timeout {
                self.scheduleInactivityCheck(in: timeout - quiet, context: context)
                return
            }
            self.logger.info("association timed out", metadata: ["dicom.state": "\(self.machine.state)"])
            self.run(self.machine.handle(.timeout), context: context)
        }
    }

    private func cancelTimers() {
        self.artimTimer?.cancel()
        self.artimTimer = nil
        self.inactivityTimer?.cancel()
        self.inactivityTimer = nil
    }
}

@available(*, unavailable)
extension AssociationHandler: Sendable {}
