internal import CLinuxShim
internal import Glibc
import Synchronization

/// One accepted TCP connection: HTTP/1.1 requests until an upgrade, then WebSocket frames.
///
/// Touched only on its loop's thread. Requests are served one at a time: while a handler runs, reading pauses
/// (the parser keeps what already arrived), which orders pipelined responses and bounds buffering. Closing
/// flushes the output, half-closes, and drains input for a moment before `close`, so that unread bytes cannot
/// turn the last response into a reset. The HTTP and WebSocket halves live in Connection+HTTP.swift and
/// Connection+WebSocket.swift; members are internal rather than private only so that those files reach them.
final class Connection: LoopHandler {
    enum Phase {
        case http
        case webSocket
        /// Flushing the last output before the half-close.
        case closing
        /// Write side shut; discarding input until EOF or the deadline.
        case lingering
        case closed
    }

    enum Kind {
        case http(@Sendable (HTTPRequest) async -> HTTPResponse)
        case webSocket(@Sendable (HTTPRequest) async -> WebSocketUpgrade, key: String)
        case fixed(HTTPResponse)
    }

    struct PendingRequest {
        var head: HTTPRequestHead
        var target: RequestTarget
        var parameters: [String: String]
        var kind: Kind
        var limit: Int
        var body: [UInt8] = []
        var bodyCount = 0
        var spoolFD: Int32 = -1
        var spoolPath: String?
    }

    let fd: Int32
    let loop: EventLoop
    let server: ServerContext
    let remoteAddress: String
    var phase = Phase.http
    var out = OutboundQueue()
    var registeredEvents: UInt32
    var waitingForWritable = false
    var readPaused = false
    var peerHalfClosed = false
    var lastActivity: UInt64
    var phaseDeadline: UInt64 = 0

    // MARK: HTTP state
    var parser = HTTPRequestParser()
    var current: PendingRequest?
    var inFlight = false
    var processing = false
    var headStartedAt: UInt64?
    var streamKeepAlive = false
    var streamIsHead = false
    var chunkWaiters: [CheckedContinuation<Void, any Error>] = []
    static let streamHighWater = 256 * 1024

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
        self.lastActivity = EventLoop.now()
    }

    // MARK: - Events

    func handleEvents(_ events: UInt32) {
        if events & shim_epollerr() != 0 && events & shim_epollin() == 0 {
            self.abort()
            return
        }
        // A hang-up is reported whatever the interest; while reading is paused nothing would consume it and the
        // level-triggered loop would spin, and a peer that hung up cannot read our answer anyway.
        if events & shim_epollhup() != 0 && (self.readPaused || self.phase == .closing) {
            self.abort()
            return
        }
        if events & shim_epollout() != 0 {
            self.waitingForWritable = false
            self.flush()
            // Output drained below the mark: resume the pipelined requests already buffered.
            if self.phase == .http && !self.inFlight && self.parser.bufferedCount > 0 { self.processHTTP() }
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
            case .http, .webSocket: if self.readPaused { return }
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
            self.parser.append(bytes)
            if self.headStartedAt == nil && self.parser.isReadingHead { self.headStartedAt = self.lastActivity }
            self.processHTTP()
        case .webSocket:
            self.receiveWebSocket(bytes)
        case .closing, .lingering, .closed:
            return
        }
    }

    func peerClosedInput() {
        self.peerHalfClosed = true
        switch self.phase {
        case .http:
            // A client may half-close after its request; answer it, then close. Otherwise there is nothing to do.
            if self.inFlight {
                self.readPaused = true
            } else if self.out.isEmpty {
                self.closeNow()
            } else {
                // An answer made synchronously (404, 400 ...) is still queued: send it, then close.
                self.enterClosing()
            }
        case .webSocket:
            self.webSocketConnectionEnded()
        case .closing, .lingering, .closed:
            self.closeNow()
        }
    }

    func tick(now: UInt64) {
        switch self.phase {
        case .http:
            guard !self.inFlight else { return }
            if let started = self.headStartedAt, self.parser.isReadingHead {
                if now &- started > self.server.headerTimeout { self.timeOut() }
            } else if self.current != nil {
                if now &- self.lastActivity > self.server.idleTimeout { self.timeOut() }
            } else if now &- self.lastActivity > self.server.idleTimeout {
                self.closeNow()
            }
        case .webSocket:
            self.tickWebSocket(now: now)
        case .closing, .lingering:
            if now > self.phaseDeadline { self.closeNow() }
        case .closed:
            return
        }
    }

    func timeOut() {
        self.failHTTP(
            HTTPParseError(status: 408, code: "request_timeout", message: "the request was not received in time")
        )
        self.flush()
        self.updateInterest()
    }

    func loopStopping() {
        self.notifyClosed(code: nil)
        self.resumeChunkWaiters(failing: true)
        self.cleanUpSpool()
        if self.phase != .closed {
            self.phase = .closed
            close(self.fd)
            self.server.openConnections.wrappingSubtract(1, ordering: .relaxed)
        }
    }

    /// Starts a graceful shutdown of this connection: idle HTTP closes now, a request in progress finishes with
    /// `Connection: close`, a WebSocket gets a 1001 close frame.
    func beginShutdown() {
        switch self.phase {
        case .http:
            if !self.inFlight && self.current == nil && self.parser.bufferedCount == 0 { self.closeNow() }
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

    func updateInterest() {
        guard self.phase != .closed else { return }
        var events: UInt32 = 0
        let reading: Bool
        switch self.phase {
        case .http: reading = !self.readPaused && !self.peerHalfClosed && self.out.bytes < Self.streamHighWater
        case .webSocket:
            reading =
                !self.readingPausedByApplication && !self.peerHalfClosed
                && self.out.bytes < Self.webSocketReadPauseBytes && self.out.count < Self.webSocketReadPauseItems
        case .lingering: reading = !self.peerHalfClosed
        case .closing, .closed: reading = false
        }
        if reading { events |= shim_epollin() }
        if self.waitingForWritable { events |= shim_epollout() }
        if events != self.registeredEvents {
            self.registeredEvents = events
            self.loop.modify(self.fd, events: events)
        }
    }

    func enterClosing() {
        guard self.phase != .closed && self.phase != .lingering && self.phase != .closing else { return }
        self.phase = .closing
        self.readPaused = true
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
        self.cleanUpSpool()
        self.handle?.markClosed()
        self.loop.deregisterAndClose(self.fd)
        self.server.openConnections.wrappingSubtract(1, ordering: .relaxed)
    }
}

@available(*, unavailable)
extension Connection: Sendable {}
