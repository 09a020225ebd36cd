internal import CLinuxShim
internal import Glibc
internal import HTTPCore

/// The loop side of a `WebSocketClient`: connect, handshake, then frames. Loop-confined.
final class ClientConnection: LoopHandler {
    private enum Phase {
        case connecting
        case handshaking
        /// Upgraded: the WebSocket machine decides the rest.
        case open
        case closed
    }

    let fd: Int32
    let loop: EventLoop
    let inbox: ClientInbox
    private var phase = Phase.connecting
    private var out = OutboundQueue()
    private var registeredEvents: UInt32
    private var waitingForWritable = true
    private var response: [UInt8] = []
    private let request: [UInt8]
    private let key: String
    private var machine: WebSocketMachine?
    private var actions: [WebSocketMachine.Action] = []
    private var closeDelivered = false
    private var opened: CheckedContinuation<LoopBound<ClientConnection>, any Error>?

    init(
        fd: Int32,
        loop: EventLoop,
        request: [UInt8],
        key: String,
        inbox: ClientInbox,
        opened: CheckedContinuation<LoopBound<ClientConnection>, any Error>
    ) {
        self.fd = fd
        self.loop = loop
        self.request = request
        self.key = key
        self.inbox = inbox
        self.opened = opened
        self.registeredEvents = shim_epollout()
    }

    func handleEvents(_ events: UInt32) {
        if self.phase == .connecting {
            let error = Socket.pendingError(self.fd)
            guard error == 0 else {
                self.fail(.connectFailed(errno: error))
                return
            }
            self.phase = .handshaking
            self.out.append(ByteStorage(self.request))
        }
        if events & shim_epollout() != 0 { self.waitingForWritable = false }
        if events & (shim_epollin() | shim_epollhup() | shim_epollerr()) != 0 { self.readInput() }
        self.flush()
        self.updateInterest()
    }

    func tick(now: UInt64) {
        guard self.phase == .open, var machine = self.machine else { return }
        machine.tick(now: now, into: &self.actions)
        self.machine = machine
        self.perform()
    }

    func loopStopping() {
        self.deliverClose(code: nil, reason: "")
        self.phase = .closed
        close(self.fd)
    }

    /// The connect or handshake took too long.
    func timedOut() {
        guard self.opened != nil else { return }
        self.fail(.timeout)
    }

    // MARK: - Output

    func enqueue(_ storage: ByteStorage) {
        guard self.phase == .open else { return }
        self.out.append(storage)
        self.flush()
        self.updateInterest()
    }

    /// Sends a close frame (once) and waits for the server's.
    func sendClose(_ code: WebSocketCloseCode) {
        guard self.phase == .open, var machine = self.machine else { return }
        machine.close(code, reason: "", now: EventLoop.now(), into: &self.actions)
        self.machine = machine
        self.perform()
        self.flush()
        self.updateInterest()
    }

    /// Ends the connection at once.
    func closeNow() {
        guard self.phase != .closed else { return }
        self.deliverClose(code: nil, reason: "")
        self.phase = .closed
        self.loop.deregisterAndClose(self.fd)
        self.inbox.finish()
    }

    private func flush() {
        guard !self.waitingForWritable, !self.out.isEmpty, self.phase != .closed else { return }
        let (result, _, _) = self.out.write(to: self.fd, iovecs: self.loop.iovecs)
        switch result {
        case .drained: break
        case .wouldBlock: self.waitingForWritable = true
        case .failed: self.closeNow()
        }
    }

    private func updateInterest() {
        guard self.phase != .closed else { return }
        var events = shim_epollin()
        if self.waitingForWritable || self.phase == .connecting { events |= shim_epollout() }
        if events != self.registeredEvents {
            self.registeredEvents = events
            self.loop.modify(self.fd, events: events)
        }
    }

    // MARK: - Input

    private func readInput() {
        for _ in 0..<4 {
            guard self.phase != .closed && self.phase != .connecting else { return }
            let buffer = self.loop.readBuffer
            let n = read(self.fd, buffer.baseAddress, buffer.count)
            if n > 0 {
                let bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: n)
                switch self.phase {
                case .handshaking:
                    self.response.append(contentsOf: bytes)
                    self.parseHandshake(eof: false)
                case .open:
                    self.receiveFrames(bytes)
                case .connecting, .closed:
                    return
                }
                if n < buffer.count { return }
                continue
            }
            if n == 0 {
                if self.phase == .handshaking { self.parseHandshake(eof: true) }
                if var machine = self.machine {
                    machine.connectionEnded(into: &self.actions)
                    self.machine = machine
                    self.perform()
                }
                self.closeNow()
                return
            }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return }
            if self.opened != nil { self.fail(.connectFailed(errno: e)) } else { self.closeNow() }
            return
        }
    }

    private func parseHandshake(eof: Bool) {
        guard let end = Self.headEnd(self.response) else {
            if eof { self.fail(.invalidHandshake("connection closed during the handshake")) }
            return
        }
        let head = String(decoding: self.response[0..<end], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
            self.fail(.invalidHandshake("malformed status line"))
            return
        }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(String(line[..<colon]), String(line[line.index(after: colon)...].trimmingSpaces))
        }
        let body = Array(self.response[(end + 4)...])
        guard status == 101 else {
            // Collect the body the server announced (or until it closes), then report the rejection.
            if let length = headers["Content-Length"].flatMap({ Int($0) }), body.count < length, !eof { return }
            if headers["Content-Length"] == nil && !eof && !headers.containsToken("chunked", in: "Transfer-Encoding") {
                return
            }
            let length = headers["Content-Length"].flatMap { Int($0) } ?? body.count
            self.fail(.handshakeRejected(status: status, body: Array(body.prefix(length))))
            return
        }
        guard headers.containsToken("websocket", in: "Upgrade"), headers.containsToken("upgrade", in: "Connection"),
            headers["Sec-WebSocket-Accept"] == WebSocketHandshake.acceptValue(forKey: self.key)
        else {
            self.fail(.invalidHandshake("bad 101 response"))
            return
        }
        self.phase = .open
        self.machine = WebSocketMachine(
            role: .client, maxMessageSize: 64 << 20,
            timing: .init(pingInterval: nil, pongTimeout: 0, closeTimeout: 2_000_000_000), now: EventLoop.now())
        self.response = []
        let opened = self.opened
        self.opened = nil
        opened?.resume(returning: LoopBound(self))
        if !body.isEmpty { body.withUnsafeBytes { self.receiveFrames($0) } }
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4)
        where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }

    private func receiveFrames(_ bytes: UnsafeRawBufferPointer) {
        guard var machine = self.machine else { return }
        machine.receive(bytes, now: EventLoop.now(), into: &self.actions)
        self.machine = machine
        self.perform()
    }

    /// Carries out the machine's actions: messages to the inbox, control frames (masked) to the socket.
    private func perform() {
        let actions = self.actions
        self.actions.removeAll(keepingCapacity: true)
        for action in actions {
            switch action {
            case .deliver(.text(let bytes)):
                if let onTextBytes = self.inbox.onTextBytes {
                    onTextBytes(bytes)
                } else {
                    self.inbox.push(.text(String(decoding: bytes, as: UTF8.self)))
                }
            case .deliver(.binary(let bytes)):
                self.inbox.push(.binary(bytes))
            case .send(let frame):
                self.out.append(Self.encode(frame))
            case .notifyClosed(let code, let reason):
                self.deliverClose(code: code, reason: reason)
            case .closeAfterFlush:
                self.flush()
                self.closeNow()
            case .closeNow:
                self.closeNow()
            }
        }
    }

    private static func encode(_ frame: WebSocketMachine.ControlFrame) -> ByteStorage {
        switch frame {
        case .ping: WebSocketClient.encode(.ping, [])
        case .pong(let payload): WebSocketClient.encode(.pong, payload)
        case .close(let code, let reason):
            WebSocketClient.encode(.close, WebSocketFrameEncoder.closePayload(code: code, reason: reason))
        }
    }

    private func deliverClose(code: WebSocketCloseCode?, reason: String) {
        guard !self.closeDelivered, self.opened == nil, self.phase != .connecting else { return }
        self.closeDelivered = true
        self.inbox.push(.close(code: code, reason: reason))
    }

    private func fail(_ error: WebSocketClientError) {
        let opened = self.opened
        self.opened = nil
        if self.phase != .closed {
            self.phase = .closed
            self.loop.deregisterAndClose(self.fd)
        }
        self.inbox.finish()
        opened?.resume(throwing: error)
    }
}

@available(*, unavailable)
extension ClientConnection: Sendable {}
