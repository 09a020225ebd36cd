internal import CLinuxShim
internal import Glibc
import Synchronization

/// One accepted TCP connection: HTTP/1.1 requests until an upgrade, then WebSocket frames.
///
/// Touched only on its loop's thread. Requests are served one at a time: while a handler runs, reading pauses
/// (the parser keeps what already arrived), which orders pipelined responses and bounds buffering. Closing
/// flushes the output, half-closes, and drains input for a moment before `close`, so that unread bytes cannot
/// turn the last response into a reset.
final class Connection: LoopHandler {
    private enum Phase {
        case http
        case webSocket
        /// Flushing the last output before the half-close.
        case closing
        /// Write side shut; discarding input until EOF or the deadline.
        case lingering
        case closed
    }

    private enum Kind {
        case http(@Sendable (HTTPRequest) async -> HTTPResponse)
        case webSocket(@Sendable (HTTPRequest) async -> WebSocketUpgrade, key: String)
        case fixed(HTTPResponse)
    }

    private struct PendingRequest {
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
    private var phase = Phase.http
    private var out = OutboundQueue()
    private var registeredEvents: UInt32
    private var waitingForWritable = false
    private var readPaused = false
    private var peerHalfClosed = false
    private var lastActivity: UInt64
    private var phaseDeadline: UInt64 = 0

    // MARK: HTTP state
    private var parser = HTTPRequestParser()
    private var current: PendingRequest?
    private var inFlight = false
    private var processing = false
    private var headStartedAt: UInt64?
    private var streamKeepAlive = false
    private var streamIsHead = false
    private var chunkWaiters: [CheckedContinuation<Void, any Error>] = []
    private static let streamHighWater = 256 * 1024

    // MARK: WebSocket state
    private var handle: WebSocketConnection?
    private var delegate: (any WebSocketDelegate)?
    private var decoder = WebSocketFrameDecoder(role: .server, maxPayload: 0)
    private var assembler = WebSocketMessageAssembler(maxMessageSize: 0)
    private var closeSent = false
    private var closeNotified = false
    private var overflowHandled = false
    private var nextPingAt: UInt64 = 0
    private var pongDeadline: UInt64?

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

    private func readInput() {
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

    private func consume(_ bytes: UnsafeRawBufferPointer) {
        switch self.phase {
        case .http:
            self.parser.append(bytes)
            if self.headStartedAt == nil && self.parser.isReadingHead { self.headStartedAt = self.lastActivity }
            self.processHTTP()
        case .webSocket:
            self.decoder.append(bytes)
            self.processFrames()
        case .closing, .lingering, .closed:
            return
        }
    }

    private func peerClosedInput() {
        self.peerHalfClosed = true
        switch self.phase {
        case .http:
            // A client may half-close after its request; answer it, then close. Otherwise there is nothing to do.
            if self.inFlight {
                self.readPaused = true
            } else {
                self.closeNow()
            }
        case .webSocket:
            self.notifyClosed(code: nil)
            self.closeNow()
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
            if self.closeSent {
                if now > self.phaseDeadline { self.closeNow() }
                return
            }
            if let deadline = self.pongDeadline, now > deadline {
                // No pong in time: the peer or the path is dead; there is no one to hand a close frame to.
                self.notifyClosed(code: nil)
                self.closeNow()
                return
            }
            if now >= self.nextPingAt {
                self.enqueueFrame(WebSocketFrameEncoder.encode(opcode: .ping, payload: []))
                if self.pongDeadline == nil { self.pongDeadline = now + self.server.pongTimeout }
                self.nextPingAt = now + self.server.pingInterval
                self.flush()
                self.updateInterest()
            }
        case .closing, .lingering:
            if now > self.phaseDeadline { self.closeNow() }
        case .closed:
            return
        }
    }

    private func timeOut() {
        self.failHTTP(HTTPParseError(status: 408, code: "request_timeout", message: "the request was not received in time"))
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
            self.startClose(code: 1001, reason: "server shutting down")
            self.flush()
            self.updateInterest()
        case .closing, .lingering, .closed:
            return
        }
    }

    // MARK: - Output

    private func enqueue(_ bytes: [UInt8]) {
        self.out.append(ByteStorage(bytes))
    }

    /// Queues a frame made on the loop; counted like handle frames so the outbound bound sees it.
    private func enqueueFrame(_ storage: ByteStorage) {
        if let handle = self.handle {
            handle.queuedBytes.wrappingAdd(storage.count, ordering: .relaxed)
            handle.queuedFrames.wrappingAdd(1, ordering: .relaxed)
        }
        self.out.append(storage)
    }

    private func flush() {
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
            self.notifyClosed(code: nil)
            self.closeNow()
            return
        }
        if !self.chunkWaiters.isEmpty && self.out.bytes < Self.streamHighWater { self.resumeChunkWaiters(failing: false) }
    }

    private func updateInterest() {
        guard self.phase != .closed else { return }
        var events: UInt32 = 0
        let reading: Bool
        switch self.phase {
        case .http, .webSocket: reading = !self.readPaused && !self.peerHalfClosed
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

    private func enterClosing() {
        guard self.phase != .closed && self.phase != .lingering && self.phase != .closing else { return }
        self.phase = .closing
        self.readPaused = true
        self.phaseDeadline = EventLoop.now() + 5_000_000_000
        self.flush()
        self.updateInterest()
    }

    private func startLinger() {
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

    private func abort() {
        self.notifyClosed(code: nil)
        self.closeNow()
    }

    private func closeNow() {
        guard self.phase != .closed else { return }
        self.phase = .closed
        self.resumeChunkWaiters(failing: true)
        self.cleanUpSpool()
        self.handle?.markClosed()
        self.loop.deregisterAndClose(self.fd)
        self.server.openConnections.wrappingSubtract(1, ordering: .relaxed)
    }

    // MARK: - HTTP

    private func processHTTP() {
        // Re-entrancy guard: a response finished synchronously resumes the outer loop instead of recursing.
        guard !self.processing else { return }
        self.processing = true
        defer { self.processing = false }
        while self.phase == .http && !self.inFlight {
            let event: HTTPRequestParser.Event?
            do {
                event = try self.parser.next()
            } catch {
                self.failHTTP(error)
                return
            }
            guard let event else { break }
            switch event {
            case .head(let head):
                self.headStartedAt = nil
                self.begin(head)
            case .body(let chunk):
                self.receiveBody(chunk)
            case .end:
                self.dispatch()
            }
        }
    }

    private func failHTTP(_ error: HTTPParseError) {
        self.cleanUpSpool()
        self.current = nil
        let response = HTTPResponse.error(error.status, code: error.code, message: error.message)
        self.writeResponseHead(response, body: response.bytesBody, keepAlive: false, versionMinor: 1, isHead: false)
        self.enterClosing()
    }

    private func begin(_ head: HTTPRequestHead) {
        guard HTTPMethod.supported.contains(head.method) else {
            self.failHTTP(HTTPParseError(status: 501, code: "not_implemented", message: "method \(head.method) is not implemented"))
            return
        }
        guard let target = RequestTarget(head.target) else {
            self.failHTTP(.bad("malformed percent-encoding in the request target"))
            return
        }
        let wantsWebSocket = head.headers.containsToken("websocket", in: "Upgrade")
        let hasBody: Bool
        let declared: Int?
        switch head.framing {
        case .none: (hasBody, declared) = (false, 0)
        case .length(let n): (hasBody, declared) = (n > 0, n)
        case .chunked: (hasBody, declared) = (true, nil)
        }
        var pending: PendingRequest
        switch self.server.router.match(head.method, segments: target.segments, wantsWebSocket: wantsWebSocket) {
        case .miss(let miss):
            let request = self.makeRequest(head: head, target: target, parameters: [:], body: [], bodyFile: nil)
            pending = PendingRequest(
                head: head, target: target, parameters: [:], kind: .fixed(self.missResponse(miss, request)), limit: 0)
        case .route(.http(let policy, let handler), let parameters):
            if let declared, declared > policy.limit {
                self.failHTTP(Self.tooLarge(policy.limit))
                return
            }
            pending = PendingRequest(head: head, target: target, parameters: parameters, kind: .http(handler), limit: policy.limit)
            if case .spoolToFile = policy, hasBody {
                guard let (fd, path) = Self.makeSpoolFile() else {
                    self.failHTTP(HTTPParseError(status: 503, code: "unavailable", message: "cannot store the upload"))
                    return
                }
                pending.spoolFD = fd
                pending.spoolPath = path
            }
        case .route(.webSocket(let handler), let parameters):
            switch self.upgradeProblem(head) {
            case .some(let response):
                pending = PendingRequest(head: head, target: target, parameters: parameters, kind: .fixed(response), limit: 0)
            case .none:
                let key = head.headers["Sec-WebSocket-Key"] ?? ""
                pending = PendingRequest(
                    head: head, target: target, parameters: parameters, kind: .webSocket(handler, key: key), limit: 0)
            }
        }
        if case .fixed(let response) = pending.kind, hasBody {
            // An answer that does not depend on the body: send it now and close instead of reading the body.
            self.writeResponseHead(response, body: response.bytesBody, keepAlive: false, versionMinor: head.versionMinor, isHead: head.method == .head)
            self.enterClosing()
            return
        }
        if case .webSocket = pending.kind, hasBody {
            self.failHTTP(.bad("an upgrade request has no body"))
            return
        }
        if head.expectsContinue && hasBody && head.versionMinor >= 1 {
            self.enqueue(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        self.current = pending
    }

    private static func tooLarge(_ limit: Int) -> HTTPParseError {
        HTTPParseError(status: 413, code: "payload_too_large", message: "the request body exceeds \(limit) bytes")
    }

    private func missResponse(_ miss: RouteMiss, _ request: HTTPRequest) -> HTTPResponse {
        if let fallback = self.server.router.fallback { return fallback(request, miss) }
        switch miss {
        case .notFound:
            return .error(404, code: "not_found", message: "no route for \(request.path)")
        case .methodNotAllowed(let allowed):
            var response = HTTPResponse.error(405, code: "method_not_allowed", message: "method \(request.method) is not allowed here")
            response.headers.replace("Allow", allowed.map(\.rawValue).joined(separator: ", "))
            return response
        }
    }

    /// Why an upgrade request cannot be accepted (RFC 6455 §4.2.1), as the response to send; nil when it is valid.
    private func upgradeProblem(_ head: HTTPRequestHead) -> HTTPResponse? {
        let headers = head.headers
        guard head.method == .get, head.versionMinor >= 1, headers.containsToken("websocket", in: "Upgrade"),
            headers.containsToken("upgrade", in: "Connection")
        else {
            var response = HTTPResponse.error(426, code: "upgrade_required", message: "this endpoint speaks WebSocket only")
            response.headers.replace("Upgrade", "websocket")
            return response
        }
        guard headers["Sec-WebSocket-Version"]?.trimmingCharacters() == "13" else {
            var response = HTTPResponse.error(426, code: "upgrade_required", message: "only WebSocket version 13 is supported")
            response.headers.replace("Sec-WebSocket-Version", "13")
            return response
        }
        guard let key = headers["Sec-WebSocket-Key"], WebSocketHandshake.isValidKey(key) else {
            return .error(400, code: "invalid_request", message: "missing or malformed Sec-WebSocket-Key")
        }
        if let check = self.server.configuration.originCheck, !check(headers["Origin"]) {
            return .error(403, code: "forbidden", message: "origin not allowed")
        }
        return nil
    }

    private func receiveBody(_ chunk: [UInt8]) {
        guard let pending0 = self.current else { return }
        var pending = pending0
        pending.bodyCount += chunk.count
        self.current?.bodyCount = pending.bodyCount
        guard pending.bodyCount <= pending.limit else {
            self.failHTTP(Self.tooLarge(pending.limit))
            return
        }
        guard case .http = pending.kind else { return }
        if pending.spoolFD >= 0 {
            guard Self.writeAll(pending.spoolFD, chunk) else {
                self.failHTTP(HTTPParseError(status: 503, code: "unavailable", message: "cannot store the upload"))
                return
            }
        } else {
            self.current?.body.append(contentsOf: chunk)
        }
    }

    private func makeRequest(
        head: HTTPRequestHead, target: RequestTarget, parameters: [String: String], body: [UInt8], bodyFile: String?
    ) -> HTTPRequest {
        HTTPRequest(
            method: head.method, path: target.path, target: head.target,
            queryItems: target.queryItems.map { (name: $0.name, value: $0.value) }, headers: head.headers, body: body,
            bodyFile: bodyFile, pathParameters: parameters, remoteAddress: self.remoteAddress)
    }

    private func dispatch() {
        guard var pending = self.current else { return }
        self.inFlight = true
        self.readPaused = true
        if pending.spoolFD >= 0 {
            close(pending.spoolFD)
            pending.spoolFD = -1
            self.current?.spoolFD = -1
            // The handler's task owns the file from here and deletes it when the handler returns.
            self.current?.spoolPath = nil
        }
        let request = self.makeRequest(
            head: pending.head, target: pending.target, parameters: pending.parameters, body: pending.body,
            bodyFile: pending.spoolPath)
        self.current?.body = []
        let loop = self.loop
        let bound = LoopBound(self)
        let isHead = pending.head.method == .head
        switch pending.kind {
        case .fixed(let response):
            self.complete(response)
        case .http(let handler):
            let spoolPath = pending.spoolPath
            Task {
                let response = await handler(request)
                if let spoolPath { unlink(spoolPath) }
                switch response.body {
                case .bytes:
                    loop.execute { bound.value.complete(response) }
                case .stream(let produce):
                    loop.execute { bound.value.startStream(response) }
                    let writer = ResponseBodyWriter(loop: loop, connection: bound)
                    do {
                        if !isHead { try await produce(writer) }
                        loop.execute { bound.value.finishStream(succeeded: true) }
                    } catch {
                        loop.execute { bound.value.finishStream(succeeded: false) }
                    }
                }
            }
        case .webSocket(let handler, let key):
            Task {
                let decision = await handler(request)
                loop.execute { bound.value.finishUpgrade(decision, key: key) }
            }
        }
    }

    private func keepAlive(for response: HTTPResponse, head: HTTPRequestHead) -> Bool {
        head.keepAlive && !self.peerHalfClosed && !self.server.draining.load(ordering: .relaxed)
            && !response.headers.containsToken("close", in: "Connection")
    }

    private func writeResponseHead(_ response: HTTPResponse, body: [UInt8]?, keepAlive: Bool, versionMinor: Int, isHead: Bool) {
        var bytes = ResponseSerializer.head(
            response, contentLength: body?.count, keepAlive: keepAlive, versionMinor: versionMinor, date: self.loop.httpDate)
        if let body, !isHead { bytes += body }
        self.enqueue(bytes)
    }

    /// A handler's buffered response, on the loop.
    private func complete(_ response: HTTPResponse) {
        guard self.phase == .http, self.inFlight, let pending = self.current else { return }
        let keepAlive = self.keepAlive(for: response, head: pending.head)
        self.writeResponseHead(
            response, body: response.bytesBody, keepAlive: keepAlive, versionMinor: pending.head.versionMinor,
            isHead: pending.head.method == .head)
        self.finishRequest(keepAlive: keepAlive)
    }

    private func finishRequest(keepAlive: Bool) {
        self.current = nil
        self.inFlight = false
        self.lastActivity = EventLoop.now()
        if !keepAlive {
            self.enterClosing()
            return
        }
        self.readPaused = self.peerHalfClosed
        if self.parser.bufferedCount > 0 { self.headStartedAt = self.lastActivity }
        self.processHTTP()
        self.flush()
        self.updateInterest()
        if self.peerHalfClosed && !self.inFlight && self.phase == .http { self.enterClosing() }
    }

    private func startStream(_ response: HTTPResponse) {
        guard self.phase == .http, self.inFlight, let pending = self.current else { return }
        self.streamKeepAlive = self.keepAlive(for: response, head: pending.head)
        self.streamIsHead = pending.head.method == .head
        self.writeResponseHead(
            response, body: nil, keepAlive: self.streamKeepAlive, versionMinor: pending.head.versionMinor,
            isHead: self.streamIsHead)
        self.flush()
        self.updateInterest()
    }

    /// One streamed chunk, on the loop; resumes the writer once the output is below the high-water mark.
    func writeChunk(_ bytes: [UInt8], continuation: CheckedContinuation<Void, any Error>) {
        guard self.phase == .http, self.inFlight else {
            continuation.resume(throwing: ConnectionClosedError())
            return
        }
        self.enqueue(Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10])
        self.chunkWaiters.append(continuation)
        self.flush()
        self.updateInterest()
        if self.out.bytes < Self.streamHighWater { self.resumeChunkWaiters(failing: false) }
    }

    private func finishStream(succeeded: Bool) {
        guard self.phase == .http, self.inFlight else { return }
        guard succeeded else {
            // The body is cut short; closing without the last chunk tells the client it is incomplete.
            self.finishRequest(keepAlive: false)
            return
        }
        if !self.streamIsHead { self.enqueue(Array("0\r\n\r\n".utf8)) }
        self.finishRequest(keepAlive: self.streamKeepAlive)
        self.flush()
        self.updateInterest()
    }

    private func resumeChunkWaiters(failing: Bool) {
        let waiters = self.chunkWaiters
        self.chunkWaiters = []
        for waiter in waiters {
            if failing { waiter.resume(throwing: ConnectionClosedError()) } else { waiter.resume() }
        }
    }

    private func cleanUpSpool() {
        guard let pending = self.current else { return }
        if pending.spoolFD >= 0 { close(pending.spoolFD) }
        if let path = pending.spoolPath { unlink(path) }
        self.current?.spoolFD = -1
        self.current?.spoolPath = nil
    }

    private static func makeSpoolFile() -> (Int32, String)? {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(directory)/incident-upload-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return nil }
        return (fd, String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { p in
            var offset = 0
            while offset < p.count {
                let n = write(fd, p.baseAddress! + offset, p.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
    }

    // MARK: - WebSocket

    private func finishUpgrade(_ decision: WebSocketUpgrade, key: String) {
        guard self.phase == .http, self.inFlight, self.current != nil else { return }
        switch decision {
        case .reject(let response):
            self.complete(response)
            self.flush()
            self.updateInterest()
        case .accept(let acceptance):
            self.upgrade(acceptance, key: key)
        }
    }

    private func upgrade(_ acceptance: WebSocketAcceptance, key: String) {
        let handle = WebSocketConnection(
            id: self.server.makeConnectionID(), remoteAddress: self.remoteAddress, loop: self.loop,
            maxOutboundBytes: self.server.configuration.maxOutboundBytes,
            maxOutboundFrames: self.server.configuration.maxOutboundFrames, connection: self)
        var head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        head += "Sec-WebSocket-Accept: \(WebSocketHandshake.acceptValue(forKey: key))\r\n"
        if let subprotocol = acceptance.subprotocol, !subprotocol.isEmpty,
            !subprotocol.utf8.contains(where: { $0 < 32 || $0 == 127 })
        {
            head += "Sec-WebSocket-Protocol: \(subprotocol)\r\n"
        }
        head += "\r\n"
        self.handle = handle
        self.delegate = acceptance.delegate
        self.enqueueFrame(ByteStorage(Array(head.utf8)))
        self.phase = .webSocket
        self.current = nil
        self.inFlight = false
        self.readPaused = false
        self.decoder = WebSocketFrameDecoder(role: .server, maxPayload: acceptance.maxMessageSize)
        self.assembler = WebSocketMessageAssembler(maxMessageSize: acceptance.maxMessageSize)
        self.nextPingAt = EventLoop.now() + self.server.pingInterval
        let rest = self.parser.takeRemaining()
        self.parser = HTTPRequestParser()
        acceptance.delegate.webSocketDidOpen(handle)
        if self.server.draining.load(ordering: .relaxed) {
            self.startClose(code: 1001, reason: "server shutting down")
        } else if !rest.isEmpty {
            self.decoder.append(rest)
            self.processFrames()
        }
        self.flush()
        self.updateInterest()
    }

    private func processFrames() {
        while self.phase == .webSocket {
            let frame: WebSocketFrame?
            do {
                frame = try self.decoder.next()
            } catch {
                self.failWebSocket(error)
                return
            }
            guard let frame else { return }
            switch frame.opcode {
            case .ping:
                if !self.closeSent { self.enqueueFrame(WebSocketFrameEncoder.encode(opcode: .pong, payload: frame.payload)) }
            case .pong:
                self.pongDeadline = nil
            case .close:
                self.peerClosed(frame.payload)
                return
            case .text, .binary, .continuation:
                // After our close frame the peer may still be sending; RFC 6455 §5.5.1 lets us discard it.
                guard !self.closeSent else { continue }
                let message: WebSocketMessageAssembler.Message?
                do {
                    message = try self.assembler.push(frame)
                } catch {
                    self.failWebSocket(error)
                    return
                }
                guard let message, let handle = self.handle, let delegate = self.delegate else { continue }
                switch message {
                case .text(let text): delegate.webSocket(handle, didReceiveText: text)
                case .binary(let bytes): delegate.webSocket(handle, didReceiveBinary: bytes)
                }
            }
        }
    }

    /// RFC 6455 §7.4: codes a peer may send; 1004-1006 and 1015 are reserved for reports, 1016-2999 unassigned.
    static func isValidCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014: true
        case 3000...4999: true
        default: false
        }
    }

    private func peerClosed(_ payload: [UInt8]) {
        var code: UInt16?
        if payload.count == 1 {
            self.failWebSocket(.protocolError("close payload of one byte"))
            return
        }
        if payload.count >= 2 {
            let value = UInt16(payload[0]) << 8 | UInt16(payload[1])
            guard Self.isValidCloseCode(value) else {
                self.failWebSocket(.protocolError("invalid close code"))
                return
            }
            guard UTF8Validator.isValid(Array(payload[2...])) else {
                self.failWebSocket(WebSocketError(closeCode: 1007, reason: "invalid UTF-8 in the close reason"))
                return
            }
            code = value
        }
        if !self.closeSent {
            self.moveHandleFrames()
            self.closeSent = true
            // Echo the code (not the reason) as §5.5.1 suggests.
            let echo = code.map { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } ?? []
            self.enqueueFrame(WebSocketFrameEncoder.encode(opcode: .close, payload: echo))
        }
        self.notifyClosed(code: code)
        self.enterClosing()
    }

    private func failWebSocket(_ error: WebSocketError) {
        if !self.closeSent {
            self.moveHandleFrames()
            self.closeSent = true
            self.enqueueFrame(
                WebSocketFrameEncoder.encode(
                    opcode: .close, payload: WebSocketFrameEncoder.closePayload(code: error.closeCode, reason: error.reason)))
        }
        self.notifyClosed(code: error.closeCode)
        self.enterClosing()
    }

    /// Sends our close frame and waits (up to 5 s) for the peer's.
    private func startClose(code: UInt16, reason: String) {
        guard self.phase == .webSocket, !self.closeSent else { return }
        if code != 1013 { self.moveHandleFrames() }
        self.closeSent = true
        self.phaseDeadline = EventLoop.now() + 5_000_000_000
        self.enqueueFrame(
            WebSocketFrameEncoder.encode(opcode: .close, payload: WebSocketFrameEncoder.closePayload(code: code, reason: reason)))
        self.notifyClosed(code: code)
    }

    /// Messages the application sent before the close must go out before the close frame (a reply sent while
    /// handling the frame just before a protocol error, say), not be dropped with the rest of the flush list.
    private func moveHandleFrames() {
        guard let handle = self.handle else { return }
        let drained = handle.takePending()
        if drained.overflowed {
            handle.didDequeue(frames: drained.frames.count, bytes: drained.frames.reduce(0) { $0 + $1.count })
            return
        }
        for frame in drained.frames { self.out.append(frame) }
    }

    private func notifyClosed(code: UInt16?) {
        guard !self.closeNotified, let handle = self.handle, let delegate = self.delegate else { return }
        self.closeNotified = true
        handle.markClosed()
        delegate.webSocketDidClose(handle, code: code)
    }

    /// Frames and requests from the handle, on the loop.
    func deliver(_ drained: WebSocketConnection.Drained) {
        guard let handle = self.handle else { return }
        let droppedBytes = drained.frames.reduce(0) { $0 + $1.count }
        guard self.phase == .webSocket, !self.closeSent else {
            handle.didDequeue(frames: drained.frames.count, bytes: droppedBytes)
            return
        }
        if drained.overflowed && !self.overflowHandled {
            // Too slow a reader: drop what it has not started receiving and close with 1013 (try again later).
            self.overflowHandled = true
            handle.didDequeue(frames: drained.frames.count, bytes: droppedBytes)
            let dropped = self.out.removeUnstarted()
            handle.didDequeue(frames: dropped.items, bytes: dropped.bytes)
            self.startClose(code: 1013, reason: "client too slow")
        } else {
            for frame in drained.frames { self.out.append(frame) }
            if let request = drained.closeRequest { self.startClose(code: request.code, reason: request.reason) }
        }
        self.flush()
        self.updateInterest()
    }
}

extension HTTPResponse {
    /// The body bytes, or nil for a streamed body (a rejection or fixed answer streams nothing).
    var bytesBody: [UInt8] {
        switch self.body {
        case .bytes(let bytes): bytes
        case .stream: []
        }
    }
}

extension String {
    func trimmingCharacters() -> String {
        String(Substring(self).trimmingSpaces)
    }
}
