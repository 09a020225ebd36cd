internal import CLinuxShim
internal import Glibc
import Synchronization

/// The upgrade and the WebSocket protocol: frames, control frames, the closing handshake, output (on the loop).
extension Connection {
    func finishUpgrade(_ decision: WebSocketUpgrade, key: String) {
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

    func processFrames() {
        while self.phase == .webSocket {
            let frame: WebSocketFrame?
            do {
                frame = try self.decoder.next()
            } catch {
                self.failWebSocket(error)
                return
            }
            guard let frame else {
                self.checkPartialText()
                return
            }
            self.lookahead = nil
            switch frame.opcode {
            case .ping:
                if !self.closeSent {
                    self.enqueueFrame(WebSocketFrameEncoder.encode(opcode: .pong, payload: frame.payload))
                }
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

    /// Invalid UTF-8 in a text frame fails the connection as soon as the bytes that prove it arrive, not when the
    /// (possibly large) frame is complete (RFC 6455 §8.1; Autobahn 6.4.x).
    func checkPartialText() {
        guard !self.closeSent, let partial = self.decoder.partialPayload() else { return }
        if partial.first { self.lookahead = self.assembler.textValidator(forFrame: partial.opcode) }
        guard var validator = self.lookahead else { return }
        guard partial.bytes.withUnsafeBytes({ validator.validate($0) }) else {
            self.failWebSocket(WebSocketError(closeCode: 1007, reason: "invalid UTF-8"))
            return
        }
        self.lookahead = validator
    }

    /// RFC 6455 §7.4: codes a peer may send; 1004-1006 and 1015 are reserved for reports, 1016-2999 unassigned.
    static func isValidCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014: true
        case 3000...4999: true
        default: false
        }
    }

    func peerClosed(_ payload: [UInt8]) {
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

    func failWebSocket(_ error: WebSocketError) {
        if !self.closeSent {
            self.moveHandleFrames()
            self.closeSent = true
            self.enqueueFrame(
                WebSocketFrameEncoder.encode(
                    opcode: .close,
                    payload: WebSocketFrameEncoder.closePayload(code: error.closeCode, reason: error.reason)
                )
            )
        }
        self.notifyClosed(code: error.closeCode)
        self.enterClosing()
    }

    /// Sends our close frame and waits (up to 5 s) for the peer's.
    func startClose(code: UInt16, reason: String) {
        guard self.phase == .webSocket, !self.closeSent else { return }
        if code != 1013 { self.moveHandleFrames() }
        self.closeSent = true
        self.phaseDeadline = EventLoop.now() + 5_000_000_000
        self.enqueueFrame(
            WebSocketFrameEncoder.encode(
                opcode: .close,
                payload: WebSocketFrameEncoder.closePayload(code: code, reason: reason)
            )
        )
        self.notifyClosed(code: code)
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

    func notifyClosed(code: UInt16?) {
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
