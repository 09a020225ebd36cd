/// One WebSocket connection's protocol, server or client side, with no I/O (RFC 6455).
///
/// Bytes, ticks and the application's close go in; messages for the application, control frames to send and what
/// to do with the socket come out as actions, which the connection carries out in order. Time is a parameter
/// (monotonic nanoseconds), so the closing handshake, the ping deadline and fail-fast UTF-8 are tested without
/// sockets or sleeps. The server's `Connection` and the client's `ClientConnection` run the same machine.
package struct WebSocketMachine: Sendable {
    /// Which side of the connection this is: a server requires masked frames, a client refuses them (§5.1).
    package typealias Role = WebSocketFrameDecoder.Role

    /// A control frame to send; the connection encodes it (and masks it on the client side).
    package enum ControlFrame: Equatable, Sendable {
        case ping
        case pong([UInt8])
        case close(WebSocketCloseCode?, reason: String)
    }

    /// What the connection must do, in order.
    package enum Action: Equatable, Sendable {
        /// A complete message for the application.
        case deliver(WebSocketMessage)
        case send(ControlFrame)
        /// The WebSocket is over: tell the application once, with the code received or sent (nil when none).
        case notifyClosed(WebSocketCloseCode?, reason: String)
        /// Send what is queued, then end the TCP connection (a server half-closes first and lingers).
        case closeAfterFlush
        /// End the TCP connection now.
        case closeNow
    }

    /// The deadlines, in nanoseconds.
    package struct Timing: Sendable, Equatable {
        /// How often to ping the peer; nil sends no pings (the client side).
        package var pingInterval: UInt64?
        /// How long after a ping its pong may take before the peer counts as gone.
        package var pongTimeout: UInt64
        /// How long, after our close frame, to wait for the peer's (a server) or for the server to end the TCP
        /// connection (a client, §7.1.1).
        package var closeTimeout: UInt64

        package init(pingInterval: UInt64?, pongTimeout: UInt64, closeTimeout: UInt64) {
            self.pingInterval = pingInterval
            self.pongTimeout = pongTimeout
            self.closeTimeout = closeTimeout
        }
    }

    private enum State: Sendable, Equatable {
        case open
        /// Our close frame is out, or, on the client side, the server's came: waiting until `deadline`.
        case closing(deadline: UInt64)
        /// The WebSocket is over; the socket is being (or has been) closed.
        case closed
    }

    package let role: Role
    private let timing: Timing
    private var state = State.open
    private var decoder: WebSocketFrameDecoder
    private var assembler: WebSocketMessageAssembler
    /// Validates the text of a frame still arriving (fail-fast); nil when no such frame is in progress.
    private var lookahead: UTF8Validator?
    private var nextPingAt: UInt64
    private var pongDeadline: UInt64?
    private var closeNotified = false

    /// A machine for a connection that has just been upgraded at `now`.
    package init(role: Role, maxMessageSize: Int, timing: Timing, now: UInt64) {
        self.role = role
        self.timing = timing
        self.decoder = WebSocketFrameDecoder(role: role, maxPayload: maxMessageSize)
        self.assembler = WebSocketMessageAssembler(maxMessageSize: maxMessageSize)
        self.nextPingAt = timing.pingInterval.map { now + $0 } ?? .max
    }

    /// True until a close frame has been sent or received: the application may still send.
    package var isOpen: Bool { self.state == .open }

    /// True once the application has been told the connection is over.
    package var isClosed: Bool { self.state == .closed }

    // MARK: - Inputs

    /// Bytes from the peer. Every ping among them is answered by one pong, for the last of them (§5.5.3 allows
    /// answering only the most recent ping), so a peer that floods pings gets at most one pong per read.
    package mutating func receive(_ bytes: UnsafeRawBufferPointer, now: UInt64, into actions: inout [Action]) {
        guard self.state != .closed else { return }
        self.decoder.append(bytes)
        var pong: [UInt8]?
        defer {
            if let pong, self.state == .open { actions.append(.send(.pong(pong))) }
        }
        while self.state != .closed {
            let frame: WebSocketFrame?
            do {
                frame = try self.decoder.next()
            } catch {
                self.fail(error, now: now, into: &actions)
                return
            }
            guard let frame else {
                self.checkPartialText(now: now, into: &actions)
                return
            }
            self.lookahead = nil
            switch frame.opcode {
            case .ping:
                pong = frame.payload
            case .pong:
                self.pongDeadline = nil
            case .close:
                self.peerSentClose(frame.payload, now: now, into: &actions)
            case .text, .binary, .continuation:
                // After our close frame the peer may still be sending; §5.5.1 lets us discard it.
                guard self.state == .open else { continue }
                do {
                    if let message = try self.assembler.push(frame) { actions.append(.deliver(message)) }
                } catch {
                    self.fail(error, now: now, into: &actions)
                    return
                }
            }
        }
    }

    /// The application closes the connection: our close frame, then the peer's (or the deadline).
    ///
    /// A server's application is told at once, with its own code (it has nothing more to send or receive); a
    /// client's hears the server's answer when its close frame comes back.
    package mutating func close(
        _ code: WebSocketCloseCode, reason: String, now: UInt64, into actions: inout [Action]
    ) {
        guard self.state == .open else { return }
        self.state = .closing(deadline: now + self.timing.closeTimeout)
        actions.append(.send(.close(code, reason: reason)))
        if self.role == .server { self.notify(code, reason: reason, into: &actions) }
    }

    /// Periodic: pings, the pong deadline and the closing deadline.
    package mutating func tick(now: UInt64, into actions: inout [Action]) {
        switch self.state {
        case .open:
            if let deadline = self.pongDeadline, now > deadline {
                // No pong in time: the peer or the path is dead; there is no one to hand a close frame to.
                self.state = .closed
                self.notify(nil, reason: "", into: &actions)
                actions.append(.closeNow)
                return
            }
            guard let interval = self.timing.pingInterval, now >= self.nextPingAt else { return }
            actions.append(.send(.ping))
            if self.pongDeadline == nil { self.pongDeadline = now + self.timing.pongTimeout }
            self.nextPingAt = now + interval
        case .closing(let deadline):
            guard now > deadline else { return }
            self.state = .closed
            self.notify(nil, reason: "", into: &actions)
            actions.append(.closeNow)
        case .closed:
            return
        }
    }

    /// The peer ended its side of the TCP connection (or it broke): nothing more can be said.
    package mutating func connectionEnded(into actions: inout [Action]) {
        guard self.state != .closed else { return }
        self.state = .closed
        self.notify(nil, reason: "", into: &actions)
        actions.append(.closeNow)
    }

    // MARK: - Closing

    private mutating func peerSentClose(_ payload: [UInt8], now: UInt64, into actions: inout [Action]) {
        var code: WebSocketCloseCode?
        var reason = ""
        if payload.count == 1 {
            self.fail(.protocolError("close payload of one byte"), now: now, into: &actions)
            return
        }
        if payload.count >= 2 {
            let received = WebSocketCloseCode(UInt16(payload[0]) << 8 | UInt16(payload[1]))
            guard received.mayBeSent else {
                self.fail(.protocolError("invalid close code"), now: now, into: &actions)
                return
            }
            let text = Array(payload[2...])
            guard UTF8Validator.isValid(text) else {
                self.fail(
                    WebSocketError(closeCode: .invalidPayload, reason: "invalid UTF-8 in the close reason"), now: now,
                    into: &actions)
                return
            }
            code = received
            reason = String(decoding: text, as: UTF8.self)
        }
        let weClosedFirst = self.state != .open
        if !weClosedFirst {
            // Echo the code (not the reason), as §5.5.1 suggests.
            actions.append(.send(.close(code, reason: "")))
        }
        self.notify(code, reason: reason, into: &actions)
        switch self.role {
        case .server:
            self.state = .closed
            actions.append(.closeAfterFlush)
        case .client:
            // §7.1.1: the server ends the TCP connection; wait for it a while.
            if weClosedFirst {
                self.state = .closed
                actions.append(.closeAfterFlush)
            } else {
                self.state = .closing(deadline: now + self.timing.closeTimeout)
            }
        }
    }

    private mutating func fail(_ error: WebSocketError, now: UInt64, into actions: inout [Action]) {
        if self.state == .open { actions.append(.send(.close(error.closeCode, reason: error.reason))) }
        self.state = .closed
        self.notify(error.closeCode, reason: error.reason, into: &actions)
        actions.append(.closeAfterFlush)
    }

    private mutating func notify(_ code: WebSocketCloseCode?, reason: String, into actions: inout [Action]) {
        guard !self.closeNotified else { return }
        self.closeNotified = true
        actions.append(.notifyClosed(code, reason: reason))
    }

    /// Invalid UTF-8 in a text frame fails the connection as soon as the bytes that prove it arrive, not when the
    /// (possibly large) frame is complete (§8.1; Autobahn 6.4.x).
    private mutating func checkPartialText(now: UInt64, into actions: inout [Action]) {
        guard self.state == .open, let partial = self.decoder.partialPayload() else { return }
        if partial.first { self.lookahead = self.assembler.textValidator(forFrame: partial.opcode) }
        guard var validator = self.lookahead else { return }
        guard partial.bytes.withUnsafeBytes({ validator.validate($0) }) else {
            self.fail(WebSocketError(closeCode: .invalidPayload, reason: "invalid UTF-8"), now: now, into: &actions)
            return
        }
        self.lookahead = validator
    }
}

extension WebSocketMachine {
    /// Bytes from the peer, from an array (tests).
    package mutating func receive(_ bytes: [UInt8], now: UInt64) -> [Action] {
        var actions: [Action] = []
        bytes.withUnsafeBytes { self.receive($0, now: now, into: &actions) }
        return actions
    }

    /// `close` returning its actions (tests).
    package mutating func close(_ code: WebSocketCloseCode, reason: String, now: UInt64) -> [Action] {
        var actions: [Action] = []
        self.close(code, reason: reason, now: now, into: &actions)
        return actions
    }

    /// `tick` returning its actions (tests).
    package mutating func tick(now: UInt64) -> [Action] {
        var actions: [Action] = []
        self.tick(now: now, into: &actions)
        return actions
    }
}
