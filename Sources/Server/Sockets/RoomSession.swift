import Application
import Domain
import Foundation
import Synchronization
import Transport

/// One WebSocket connection to a room (`GET /ws/{room_id}`): replays what the client missed, relays the room's live
/// events, and turns the client's events into use-case calls, one at a time, in the order they arrived.
///
/// The session is an actor on its connection's event loop: events are decoded as they are read, queued (bounded in
/// bytes: past the bound the socket is not read, and TCP slows the client down), and handled in order by a task
/// that prefers the loop, so a message is checked, handed to the room's committer and acknowledged without leaving
/// the loop's thread except for the store. Messages are committed without waiting for each other (up to
/// `maximumInFlight`); any other event is queued behind them in the room's committer, so an edit may follow the
/// message it edits at once.
actor RoomSession: WebSocketDelegate {
    /// How the client asked to resume (`?last_seq=&last_rev=`).
    struct Resume: Sendable {
        var lastSequence: Int64
        var lastRev: Int64?
    }

    private enum Phase {
        /// Connecting, replaying: events wait in the queue.
        case starting
        case running
        case closed
    }

    nonisolated let roomID: RoomID
    nonisolated let principal: Principal
    nonisolated let loop: EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { self.loop.asUnownedSerialExecutor() }

    private let resume: Resume?
    private let services: Services
    private let hub: RoomHub
    private let ticket: ConnectionAdmission.Ticket
    /// What the hub may write to the connection now; the hub asks from whatever thread publishes.
    private let gate = Mutex(ReplayGate())
    /// Set once the connection opens; read by the hub from any thread.
    private let handle = Mutex<(any SessionConnection)?>(nil)
    /// The access this connection sends with, re-read after every change of the room.
    private nonisolated let access = RoomAccessMemo()

    private var phase = Phase.starting
    private var connected = false
    private var inbox = SessionInbox()
    private var processing = false
    /// This connection's messages that are committing.
    private var inFlight = 0
    private var tokenTimer: EventLoop.TimerID?

    /// How many of this connection's messages may be committing at once before its queue waits.
    static let maximumInFlight = 256

    init(
        roomID: RoomID, principal: Principal, resume: Resume?, services: Services, hub: RoomHub, loop: EventLoop,
        ticket: ConnectionAdmission.Ticket
    ) {
        self.roomID = roomID
        self.principal = principal
        self.resume = resume
        self.services = services
        self.hub = hub
        self.loop = loop
        self.ticket = ticket
    }

    deinit {
        // Normally released at close; a connection that never opened releases its place here.
        self.services.admission.release(self.ticket)
    }

    nonisolated var id: UInt64 { self.handle.withLock { $0?.id ?? 0 } }
    nonisolated var userID: UserID { self.principal.userID }

    // MARK: - Transport callbacks (on the loop)

    nonisolated func webSocketDidOpen(_ connection: WebSocketConnection) {
        self.assumeIsolated { $0.open(connection) }
    }

    /// The connection is open (the transport's callback, or a test's fake connection).
    func open(_ connection: any SessionConnection) {
        self.handle.withLock { $0 = connection }
        self.hub.register(self)
        self.services.metrics.increment("incident_websocket_connections_total")
        self.opened()
    }

    nonisolated func webSocket(_ connection: WebSocketConnection, didReceive messages: [WebSocketMessage]) {
        self.assumeIsolated { $0.received(messages, on: connection) }
    }

    nonisolated func webSocketDidClose(_ connection: WebSocketConnection, code: WebSocketCloseCode?) {
        self.assumeIsolated { $0.closed(code: code) }
    }

    // MARK: - Fan-out (any thread)

    /// A live event from the hub: the connection to write `frame` to now, or nil when the event waits for the replay,
    /// was already sent by it, or is not for this client. The hub writes one broadcast to all of them at once.
    nonisolated func recipient(of event: LiveEvent, frame: OutboundFrame) -> (any SessionConnection)? {
        var sequence: Int64?
        switch event {
        case .typing(_, let user, _, _), .userJoined(_, let user, _, _), .userLeft(_, let user, _, _),
            .readReceipt(_, let user, _, _, _):
            // Others are told; the user's own connections know already.
            if user == self.principal.userID { return nil }
        case .messageCreated(let message):
            // Every change of the room or its members comes with a system message.
            if message.kind == .system { self.access.roomChanged() }
            sequence = message.sequenceNumber
        case .messageEdited, .messageDeleted, .reactionsUpdated, .accessRevoked, .notification, .tokenRevoked,
            .messagePinned, .messageUnpinned, .announcement:
            break
        }
        let connection = self.handle.withLock { $0 }
        switch self.gate.withLock({ $0.offer(frame, sequence: sequence) }) {
        case .send: return connection
        case .held, .drop: return nil
        case .overflow:
            connection?.close(code: .tryAgainLater, reason: "too many events during the replay")
            return nil
        }
    }

    /// Closes the connection (logout, removal from the room).
    nonisolated func close(code: WebSocketCloseCode, reason: String) {
        self.handle.withLock { $0 }?.close(code: code, reason: reason)
    }

    // MARK: - The session

    private var connection: (any SessionConnection)? { self.handle.withLock { $0 } }

    private func opened() {
        // One timer for the token's expiry: the connection closes with 1008 when it would be refused.
        self.tokenTimer = self.loop.schedule(
            at: SessionInbox.deadline(of: self.principal, clock: self.services.deps.clock)
        ) {
            [weak self] in
            self?.assumeIsolated { $0.connection?.close(code: .policyViolation, reason: "token expired") }
        }
        Task(executorPreference: self.loop) { await self.start() }
    }

    /// Presence, the `connected` event and the replay, then the queued events.
    private func start() async {
        let services = self.services
        guard let connection = self.connection else { return }
        do {
            let generation = self.access.generation()
            let access = try await services.connect(self.roomID, connection: connection.id, by: self.principal)
            self.connected = true
            guard self.phase != .closed else {
                // Closed while connecting: leave now, so no one stays online for a socket that is gone.
                await self.leave(connectionID: connection.id)
                return
            }
            self.access.remember(access, at: services.deps.clock.now(), generation: generation)
            services.log.info("ws_connected", user: self.principal.userID.rawValue, room: self.roomID.description)
            let online = await services.deps.presence.online(in: self.roomID)
            var synced = access.room.lastSequenceNumber
            var rev = access.room.rev
            let events = services.events
            if let resume = self.resume {
                let missed = try await services.catchUp(
                    self.roomID, lastSequence: resume.lastSequence, lastRev: resume.lastRev, by: self.principal)
                synced = missed.lastSequenceNumber
                rev = missed.rev
                connection.send(self.connected(access, lastSequence: synced, rev: rev, online: online))
                for message in missed.messages { connection.send(events.frame(for: .messageCreated(message))!) }
                for message in missed.changed {
                    connection.send(events.catchUp(message, afterRev: resume.lastRev ?? 0))
                }
                connection.send(events.syncComplete(lastSequence: synced, rev: rev, truncated: missed.truncated))
            } else {
                connection.send(self.connected(access, lastSequence: synced, rev: rev, online: online))
            }
            let held = self.gate.withLock { $0.open(synced: synced) }
            for frame in held { connection.send(frame) }
        } catch {
            let refusal = Refusal(error)
            connection.send(services.events.error(refusal, clientID: nil))
            connection.close(code: refusal.openingCloseCode, reason: refusal.code)
            return
        }
        guard self.phase == .starting else { return }
        self.phase = .running
        self.processIfIdle()
    }

    private func connected(_ access: RoomAccess, lastSequence: Int64, rev: Int64, online: [PresenceEntry])
        -> OutboundFrame
    {
        self.services.events.connected(
            room: self.roomID, user: self.principal.userID, role: access.role, lastSequence: lastSequence, rev: rev,
            online: online)
    }

    /// The connection is gone (the transport's callback, or a test).
    func closed(code: WebSocketCloseCode?) {
        self.gate.withLock { $0.close() }
        self.hub.unregister(self)
        let wasConnected = self.connected
        self.phase = .closed
        self.inbox.removeAll()
        if let timer = self.tokenTimer { self.loop.cancel(timer) }
        self.tokenTimer = nil
        self.services.admission.release(self.ticket)
        let services = self.services
        let principal = self.principal
        let roomID = self.roomID
        guard let connectionID = self.connection?.id else { return }
        services.log.info(
            "ws_closed", user: principal.userID.rawValue, room: roomID.description,
            ["code": code?.description ?? "none"])
        // Still connecting: `start` leaves once its connect is done, in that order.
        guard wasConnected else { return }
        Task(executorPreference: self.loop) { await self.leave(connectionID: connectionID) }
    }

    private func leave(connectionID: UInt64) async {
        guard self.connected else { return }
        self.connected = false
        await self.services.disconnect(self.roomID, connection: connectionID, by: self.principal)
    }

    // MARK: - Client events

    /// The messages of one read (the transport's callback, or a test).
    func received(_ messages: [WebSocketMessage], on connection: any SessionConnection) {
        guard self.phase != .closed else { return }
        guard self.inbox.take(messages, from: connection) else { return }
        self.processIfIdle()
    }

    private func processIfIdle() {
        guard self.phase == .running, !self.processing, !self.inbox.isEmpty else { return }
        self.processing = true
        Task(executorPreference: self.loop) { await self.process() }
    }

    /// Handles the queued events in order until the queue is empty (or waits for commits to finish).
    private func process() async {
        defer { self.processing = false }
        while self.phase == .running, let next = self.inbox.first {
            if case .event(.message, _) = next, self.inFlight >= Self.maximumInFlight { return }
            let wasFull = self.inbox.isFull
            self.inbox.removeFirst()
            if wasFull, !self.inbox.isFull { self.connection?.resumeReading() }
            await self.handle(next)
        }
    }

    private func commitFinished() {
        self.inFlight -= 1
        if self.inFlight == Self.maximumInFlight - 1 { self.processIfIdle() }
    }

    private func handle(_ decoded: ClientEvent.Decoded) async {
        switch decoded {
        case .refused(let error, let clientID):
            self.refuse(error, clientID: clientID)
        case .event(let event, let clientID):
            do {
                try await self.dispatch(event, clientID: clientID)
            } catch {
                self.refuse(error, clientID: clientID)
            }
        }
    }

    private func dispatch(_ event: ClientEvent, clientID: String?) async throws {
        let services = self.services
        let principal = self.principal
        let user = principal.userID.rawValue
        let room = self.roomID.description
        switch event {
        case .message(let request):
            // Checked one at a time, in order, then committed without waiting: the committer keeps their order
            // and stores many per transaction.
            let prepared = try await services.sendMessage.prepare(
                request, to: self.roomID, by: principal, memo: self.access)
            guard let connection = self.connection else { return }
            self.inFlight += 1
            let events = services.events
            services.sendMessage.submit(prepared, on: self.loop) { [loop = self.loop] result in
                switch result {
                case .success(let appended):
                    let message = appended.message
                    if case .stored = appended {
                        services.metrics.increment("incident_messages_total{type=\"\(message.kind.rawValue)\"}")
                        services.log.info(
                            "message_sent", user: user, room: room,
                            ["message": message.id.description, "type": message.kind.rawValue])
                    }
                    connection.send(events.ack(clientID: request.clientID, message))
                case .failure(let error):
                    let refusal = Refusal(error)
                    if let code = refusal.closeCode {
                        connection.close(code: code, reason: refusal.code)
                    } else {
                        connection.send(events.error(refusal, clientID: request.clientID))
                    }
                }
                loop.execute { self.assumeIsolated { $0.commitFinished() } }
            }
        case .editMessage(let id, let content):
            _ = try await services.editMessage(id, content: content, in: self.roomID, by: principal, on: self.loop)
            services.metrics.increment("incident_message_edits_total")
            services.log.info("message_edited", user: user, room: room, ["message": id.description])
        case .deleteMessage(let id):
            _ = try await services.deleteMessage(id, in: self.roomID, by: principal, on: self.loop)
            services.metrics.increment("incident_message_deletes_total")
            services.log.info("message_deleted", user: user, room: room, ["message": id.description])
        case .reaction(let id, let emoji, let action):
            _ = try await services.react(
                id, emoji: emoji, action: action, in: self.roomID, by: principal, on: self.loop)
        case .typing(let isTyping):
            try await services.setTyping(isTyping, in: self.roomID, by: principal)
        case .ping:
            try services.deps.limits.takeAction(for: principal.userID, at: services.deps.clock.now())
            self.connection?.send(services.events.pong)
        case .read(let sequence):
            _ = try await services.markRoomRead(self.roomID, upTo: sequence, by: principal)
        case .markNotificationRead:
            throw Refusal.malformed("mark_read is an event of the notifications socket.")
        }
    }

    private func refuse(_ error: any Error, clientID: String?) {
        let refusal = Refusal(error)
        self.services.metrics.increment("incident_errors_total{code=\"\(refusal.onWebSocket.code)\"}")
        if refusal.httpStatus == 403 {
            self.services.log.info(
                "permission_denied", user: self.principal.userID.rawValue, room: self.roomID.description,
                ["code": refusal.code])
        }
        if let code = refusal.closeCode {
            self.connection?.close(code: code, reason: refusal.code)
        } else {
            self.connection?.send(self.services.events.error(refusal, clientID: clientID))
        }
    }
}
