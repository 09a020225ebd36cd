internal import CLinuxShim
internal import Glibc
import Synchronization

/// One accepted TCP connection: HTTP/1.1 requests until an upgrade, then WebSocket frames.
///
/// Touched only on its loop's thread. The protocols are decided by two state machines with no I/O
/// (`HTTPConnectionMachine`, then `WebSocketMachine`); this class reads and writes the socket, runs handlers and head
/// checks in tasks, spools upload bodies, and carries out the machines' actions. Closing flushes the output,
/// half-closes, and discards a little input for a moment before `close`, so that unread bytes cannot turn the last
/// response into a reset. The HTTP and WebSocket halves live in Connection+HTTP.swift and
/// Connection+WebSocket.swift; members are internal rather than private only so that those files reach them.
final class Connection: LoopHandler {
    enum Phase {
        case http
        case webSocket
        /// Flushing the last output before the half-close.
        case closing
        /// Write side shut; discarding input until EOF, the deadline or `lingerLimit` bytes.
        case lingering
        case closed
    }

    let fd: Int32
    let loop: EventLoop
    let server: ServerContext
    let remoteAddress: String
    var phase = Phase.http
    var out = OutboundQueue()
    var registeredEvents: UInt32
    var waitingForWritable = false
    var peerHalfClosed = false
    var lastActivity: UInt64
    var phaseDeadline: UInt64 = 0
    /// Input discarded while lingering.
    var lingered = 0

    // MARK: HTTP state
    var http: HTTPConnectionMachine
    var httpActions: [HTTPConnectionMachine.Action] = []
    /// The body of the request being received, when its route buffers it.
    var body: [UInt8] = []
    /// The body of the request being received, when its route spools it.
    var spool: UploadSpool?
    /// Spooled bytes the disk has not confirmed yet; reading stops above `spoolHighWater`.
    var spoolPending = 0
    var spoolFailed = false
    /// The request waiting for its spool to finish before its handler runs.
    var awaitingSpool: HTTPConnectionMachine.Request?
    var streamIsHead = false
    var chunkWaiters: [CheckedContinuation<Void, any Error>] = []
    static let streamHighWater = 256 * 1024
    static let spoolHighWater = 1 << 20
    /// After the last response, at most this much input is read (and discarded) before the socket closes.
    static let lingerLimit = 64 * 1024

    // MARK: WebSocket state
    var handle: WebSocketConnection?
    var delegate: (any WebSocketDelegate)?
    /// The protocol after the upgrade; nil before.
    var webSocket: WebSocketMachine?
    /// The machine's actions not yet carried out (kept to reuse its storage).
    var pendingActions: [WebSocketMachine.Action] = []
    var closeNotified = false
    var overflowHandled = false
    /// The application asked to stop reading (its inbox is full).
    var readingPausedByApplication = false
    /// How long, after our close frame, the peer has to send its own.
    static let closingTimeout: UInt64 = 5_000_000_000
    /// A WebSocket whose unsent output is over either bound is not read until it drains: a peer that floods
    /// pings (or anything else) without reading the answers only fills its own socket buffers.
    static let webSocketReadPauseBytes = 256 * 1024
    static let webSocketReadPauseItems = 1024

    init(fd: Int32, loop: EventLoop, server: ServerContext, remoteAddress: String) {
        self.fd = fd
        self.loop = loop
        self.server = server
        self.remoteAddress = remoteAddress
        self.registeredEvents = shim_epollin()
        let now = EventLoop.now()
        self.lastActivity = now
        self.http = HTTPConnectionMachine(
            router: server.router, timing: server.httpTiming, originCheck: server.configuration.originCheck, now: now)
    }

    // MARK: - Events

    func handleEvents(_ events: UInt32) {
        if events & shim_epollerr() != 0 && events & shim_epollin() == 0 {
            self.abort()
            return
        }
        // A hang-up is reported whatever the interest; while reading is paused nothing would consume it and the
        // level-triggered loop would spin, and a peer that hung up cannot read our answer anyway.
        if events & shim_epollhup() != 0 && (self.registeredEvents & shim_epollin() == 0 || self.phase == .closing) {
            self.abort()
            return
        }
        if events & shim_epollout() != 0 {
            self.waitingForWritable = false
            self.flush()
        }
        if events & (shim_epollin() | shim_epollhup()) != 0 {
            self.readInput()
        }
        self.flush()
        self.updateInterest()
    }

    func readInput() {
        var reads = 0
        // At most four reads per wake-up: epoll is level-triggered, so a busy peer cannot starve the others.
        while reads < 4 {
            switch self.phase {
            case .closed, .closing: return
            case .http, .webSocket: if !self.wantsInput { return }
            case .lingering: break
            }
            let buffer = self.loop.readBuffer
            let n = read(self.fd, buffer.baseAddress, buffer.count)
            if n > 0 {
                reads += 1
                self.lastActivity = EventLoop.now()
                self.consume(UnsafeRawBufferPointer(start: buffer.baseAddress, count: n))
                if n < buffer.count { return }
                continue
            }
            if n == 0 {
                self.peerClosedInput()
                return
            }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return }
            self.abort()
            return
        }
    }

    func consume(_ bytes: UnsafeRawBufferPointer) {
        switch self.phase {
        case .http:
            self.http.receive(
                bytes, now: self.lastActivity, draining: self.server.draining.load(ordering: .relaxed),
                into: &self.httpActions)
            self.performHTTPActions()
        case .webSocket:
            self.receiveWebSocket(bytes)
        case .lingering:
            // A client that keeps sending after its answer (a refused upload's body) gets a little of it read.
            self.lingered += bytes.count
            if self.lingered > Self.lingerLimit { self.closeNow() }
        case .closing, .closed:
            return
        }
    }

    func peerClosedInput() {
        self.peerHalfClosed = true
        switch self.phase {
        case .http:
            self.http.peerEndedInput(now: EventLoop.now(), into: &self.httpActions)
            self.performHTTPActions()
        case .webSocket:
            self.webSocketConnectionEnded()
        case .closing, .lingering, .closed:
            self.closeNow()
        }
    }

    func tick(now: UInt64) {
        switch self.phase {
        case .http:
            self.http.tick(now: now, into: &self.httpActions)
            guard !self.httpActions.isEmpty else { return }
            self.performHTTPActions()
            self.flush()
            self.updateInterest()
        case .webSocket:
            self.tickWebSocket(now: now)
        case .closing, .lingering:
            if now > self.phaseDeadline { self.closeNow() }
        case .closed:
            return
        }
    }

    func loopStopping() {
        self.notifyClosed(code: nil)
        self.resumeChunkWaiters(failing: true)
        self.discardSpool()
        if self.phase != .closed {
            self.phase = .closed
            close(self.fd)
            self.releaseSlot()
        }
    }

    /// Starts a graceful shutdown of this connection: idle HTTP closes now, a request in progress finishes with
    /// `Connection: close`, a WebSocket gets a 1001 close frame.
    func beginShutdown() {
        switch self.phase {
        case .http:
            if self.http.isIdle { self.closeNow() }
        case .webSocket:
            self.closeWebSocket(.goingAway, reason: "server shutting down")
            self.flush()
            self.updateInterest()
        case .closing, .lingering, .closed:
            return
        }
    }

    // MARK: - Output

    func enqueue(_ bytes: [UInt8]) {
        self.out.append(ByteStorage(bytes))
    }

    /// Queues a frame made on the loop; counted like handle frames so the outbound bound sees it.
    func enqueueFrame(_ storage: ByteStorage) {
        if let handle = self.handle {
            handle.queuedBytes.wrappingAdd(storage.count, ordering: .relaxed)
            handle.queuedFrames.wrappingAdd(1, ordering: .relaxed)
        }
        self.out.append(storage)
    }

    func flush() {
        // Once closed, the fd number may already belong to a connection accepted since: never write to it.
        guard self.phase != .closed else { return }
        guard !self.waitingForWritable, !self.out.isEmpty else {
            if self.out.isEmpty && self.phase == .closing { self.startLinger() }
            return
        }
        let (result, completed, written) = self.out.write(to: self.fd, iovecs: self.loop.iovecs)
        self.handle?.didDequeue(frames: completed, bytes: written)
        switch result {
        case .drained:
            if self.phase == .closing { self.startLinger() }
        case .wouldBlock:
            self.waitingForWritable = true
        case .failed:
            self.abort()
            return
        }
        if !self.chunkWaiters.isEmpty && self.out.bytes < Self.streamHighWater {
            self.resumeChunkWaiters(failing: false)
        }
    }

    /// Whether the socket should be read now, by the rules of the phase.
    var wantsInput: Bool {
        switch self.phase {
        case .http:
            self.http.wantsInput && !self.peerHalfClosed && self.out.bytes < Self.streamHighWater
                && self.spoolPending < Self.spoolHighWater
        case .webSocket:
            !self.readingPausedByApplication && !self.peerHalfClosed
                && self.out.bytes < Self.webSocketReadPauseBytes && self.out.count < Self.webSocketReadPauseItems
        case .lingering: !self.peerHalfClosed
        case .closing, .closed: false
        }
    }

    func updateInterest() {
        guard self.phase != .closed else { return }
        var events: UInt32 = 0
        if self.wantsInput { events |= shim_epollin() }
        if self.waitingForWritable { events |= shim_epollout() }
        if events != self.registeredEvents {
            self.registeredEvents = events
            self.loop.modify(self.fd, events: events)
        }
    }

    func enterClosing() {
        guard self.phase != .closed && self.phase != .lingering && self.phase != .closing else { return }
        self.phase = .closing
        self.phaseDeadline = EventLoop.now() + 5_000_000_000
        self.flush()
        self.updateInterest()
    }

    func startLinger() {
        guard self.phase == .closing else { return }
        shutdown(self.fd, Int32(SHUT_WR))
        if self.peerHalfClosed {
            self.closeNow()
            return
        }
        self.phase = .lingering
        self.phaseDeadline = EventLoop.now() + 2_000_000_000
        self.updateInterest()
    }

    func abort() {
        if self.webSocket != nil { self.webSocketConnectionEnded() }
        self.closeNow()
    }

    func closeNow() {
        guard self.phase != .closed else { return }
        self.phase = .closed
        self.resumeChunkWaiters(failing: true)
        self.discardSpool()
        self.handle?.markClosed()
        self.loop.deregisterAndClose(self.fd)
        self.releaseSlot()
    }

    /// The connection no longer counts against the process's limit nor its loop's share.
    private func releaseSlot() {
        self.server.openConnections.wrappingSubtract(1, ordering: .relaxed)
        self.loop.connections.wrappingSubtract(1, ordering: .relaxed)
    }
}

@available(*, unavailable)
extension Connection: Sendable {}
