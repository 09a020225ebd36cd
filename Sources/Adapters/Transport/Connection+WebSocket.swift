internal import CLinuxShim
internal import Glibc
import Synchronization

/// The upgrade, and carrying out the WebSocket machine's actions: messages to the delegate, control frames and the
/// application's frames to the socket, the end of the connection (on the loop).
extension Connection {
    func finishUpgrade(_ decision: WebSocketUpgrade, key: String) {
        guard self.phase == .http, self.http.isBusy else { return }
        switch decision {
        case .reject(let response):
            self.handlerFinished(response)
        case .accept(let acceptance):
            self.upgrade(acceptance, key: key)
        }
    }

    func upgrade(_ acceptance: WebSocketAcceptance, key: String) {
        let handle = WebSocketConnection(
            id: self.server.makeConnectionID(),
            remoteAddress: self.remoteAddress,
            loop: self.loop,
            maxOutboundBytes: self.server.configuration.maxOutboundBytes,
            maxOutboundFrames: self.server.configuration.maxOutboundFrames,
            connection: self
        )
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
        let server = self.server
        self.webSocket = WebSocketMachine(
            role: .server, maxMessageSize: acceptance.maxMessageSize,
            timing: .init(
                pingInterval: server.pingInterval, pongTimeout: server.pongTimeout,
                closeTimeout: Self.closingTimeout),
            now: EventLoop.now())
        let rest = self.http.takeUpgradeRemainder()
        acceptance.delegate.webSocketDidOpen(handle)
        if self.server.draining.load(ordering: .relaxed) {
            self.closeWebSocket(.goingAway, reason: "server shutting down")
        } else if !rest.isEmpty {
            rest.withUnsafeBytes { self.receiveWebSocket($0) }
        }
        self.flush()
        self.updateInterest()
    }

    // MARK: - Inputs to the machine

    func receiveWebSocket(_ bytes: UnsafeRawBufferPointer) {
        guard var machine = self.webSocket else { return }
        machine.receive(bytes, now: self.lastActivity, into: &self.pendingActions)
        self.webSocket = machine
        self.performWebSocketActions()
    }

    func tickWebSocket(now: UInt64) {
        guard var machine = self.webSocket else { return }
        machine.tick(now: now, into: &self.pendingActions)
        self.webSocket = machine
        guard !self.pendingActions.isEmpty else { return }
        self.performWebSocketActions()
        self.flush()
        self.updateInterest()
    }

    /// Our close frame after the frames already queued, then the peer's (up to `closingTimeout`).
    func closeWebSocket(_ code: WebSocketCloseCode, reason: String) {
        guard self.phase == .webSocket, var machine = self.webSocket else { return }
        // Messages the application sent before the close go out before the close frame; a connection closed for
        // being too slow has its backlog dropped instead.
        if code != .tryAgainLater { self.moveHandleFrames() }
        machine.close(code, reason: reason, now: EventLoop.now(), into: &self.pendingActions)
        self.webSocket = machine
        self.performWebSocketActions()
    }

    /// The TCP connection ended or failed under the WebSocket.
    func webSocketConnectionEnded() {
        guard var machine = self.webSocket else { return }
        machine.connectionEnded(into: &self.pendingActions)
        self.webSocket = machine
        self.performWebSocketActions()
    }

    // MARK: - Carrying out the actions

    /// Runs the machine's actions in order. The messages of one read reach the delegate as one batch, before
    /// anything that ends the connection.
    func performWebSocketActions() {
        var messages: [WebSocketMessage] = []
        let actions = self.pendingActions
        self.pendingActions.removeAll(keepingCapacity: true)
        for action in actions {
            switch action {
            case .deliver(let message):
                messages.append(message)
            case .send(let frame):
                if case .close = frame {
                    // What the peer sent before the close is the application's first, and its answers go out
                    // before the close frame.
                    self.deliver(&messages)
                    self.moveHandleFrames()
                }
                self.enqueueFrame(Self.encode(frame))
            case .notifyClosed(let code, _):
                self.deliver(&messages)
                self.notifyClosed(code: code)
            case .closeAfterFlush:
                self.deliver(&messages)
                self.enterClosing()
            case .closeNow:
                self.deliver(&messages)
                self.closeNow()
            }
        }
        self.deliver(&messages)
    }

    private func deliver(_ messages: inout [WebSocketMessage]) {
        guard !messages.isEmpty else { return }
        defer { messages = [] }
        guard let handle = self.handle, let delegate = self.delegate, !self.closeNotified else { return }
        delegate.webSocket(handle, didReceive: messages)
    }

    static func encode(_ frame: WebSocketMachine.ControlFrame) -> ByteStorage {
        switch frame {
        case .ping: WebSocketFrameEncoder.encode(opcode: .ping, payload: [])
        case .pong(let payload): WebSocketFrameEncoder.encode(opcode: .pong, payload: payload)
        case .close(let code, let reason):
            WebSocketFrameEncoder.encode(
                opcode: .close, payload: WebSocketFrameEncoder.closePayload(code: code, reason: reason))
        }
    }

    /// Messages the application sent before the close must go out before the close frame (a reply sent while
    /// handling the frame just before a protocol error, say), not be dropped with the rest of the flush list.
    func moveHandleFrames() {
        guard let handle = self.handle else { return }
        let drained = handle.takePending()
        if drained.overflowed {
            handle.didDequeue(frames: drained.frames.count, bytes: drained.frames.reduce(0) { $0 + $1.count })
            return
        }
        for frame in drained.frames { self.out.append(frame) }
    }

    func notifyClosed(code: WebSocketCloseCode?) {
        guard !self.closeNotified, let handle = self.handle, let delegate = self.delegate else { return }
        self.closeNotified = true
        handle.markClosed()
        delegate.webSocketDidClose(handle, code: code)
    }

    /// Frames, close requests and read pauses from the handle, on the loop.
    func deliver(_ drained: WebSocketConnection.Drained) {
        guard let handle = self.handle else { return }
        let droppedBytes = drained.frames.reduce(0) { $0 + $1.count }
        self.readingPausedByApplication = drained.readingPaused
        guard self.phase == .webSocket, self.webSocket?.isOpen == true else {
            handle.didDequeue(frames: drained.frames.count, bytes: droppedBytes)
            self.updateInterest()
            return
        }
        if drained.overflowed && !self.overflowHandled {
            // Too slow a reader: drop what it has not started receiving and close with 1013 (try again later).
            self.overflowHandled = true
            handle.didDequeue(frames: drained.frames.count, bytes: droppedBytes)
            let dropped = self.out.removeUnstarted()
            handle.didDequeue(frames: dropped.items, bytes: dropped.bytes)
            self.closeWebSocket(.tryAgainLater, reason: "client too slow")
        } else {
            for frame in drained.frames { self.out.append(frame) }
            if let request = drained.closeRequest { self.closeWebSocket(request.code, reason: request.reason) }
        }
        self.flush()
        self.updateInterest()
    }
}
