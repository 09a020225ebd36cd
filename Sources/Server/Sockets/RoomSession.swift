import Application
import Domain
import Foundation
import Synchronization
import Transport

/// One WebSocket connection to a room (`GET /ws/{room_id}`): replays what the client missed, then relays live
/// events, and turns the client's events into use-case calls, one at a time, in the order they arrived.
final class RoomSession: WebSocketDelegate {
    private enum Phase {
        /// Catching up: live events wait here so none is lost or sent before the replay.
        case syncing([(LiveEvent, OutboundFrame)])
        /// Messages up to `synced` were sent by the replay; later ones go out as they come.
        case live(synced: Int64)
        case closed
    }

    let roomID: RoomID
    let principal: Principal
    private let resume: (lastSequence: Int64, lastRev: Int64?)?
    private let services: Services
    private let hub: RoomHub
    private let phase = Mutex(Phase.syncing([]))
    private let connection = Mutex<WebSocketConnection?>(nil)
    /// This connection's messages that are committing: many may be in flight (group commit), in order.
    private let commits = CommitTracker()
    /// The access this connection sends with, re-read after every change of the room.
    private let access = RoomAccessMemo()
    /// How many of this connection's messages may be committing at once before it stops reading.
    static let maximumInFlight = 256
    private let inbox: AsyncStream<String>
    private let inboxInput: AsyncStream<String>.Continuation

    var id: UInt64 { self.connection.withLock { $0?.id ?? 0 } }
    var userID: UserID { self.principal.userID }

    init(
        roomID: RoomID, principal: Principal, resume: (lastSequence: Int64, lastRev: Int64?)?, services: Services,
        hub: RoomHub
    ) {
        self.roomID = roomID
        self.principal = principal
        self.resume = resume
        self.services = services
        self.hub = hub
        // A client that floods faster than its events are handled is bounded by the rate limit; the buffer is the
        // backstop so a misbehaving client cannot grow memory without bound.
        (self.inbox, self.inboxInput) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(1024))
    }

    // MARK: - Transport callbacks (on the event loop; never block)

    func webSocketDidOpen(_ connection: WebSocketConnection) {
        self.connection.withLock { $0 = connection }
        self.hub.register(self)
        self.services.metrics.increment("incident_websocket_connections_total")
        Task { await self.run(connection) }
    }

    func webSocket(_ connection: WebSocketConnection, didReceiveText text: String) {
        if case .dropped = self.inboxInput.yield(text) {
            self.send(self.error(.rateLimited(retryAfterSeconds: 1), clientID: nil))
        }
    }

    func webSocket(_ connection: WebSocketConnection, didReceiveBinary bytes: [UInt8]) {
        connection.close(code: 1003, reason: "binary messages are not accepted")
    }

    func webSocketDidClose(_ connection: WebSocketConnection, code: UInt16?) {
        self.phase.withLock { $0 = .closed }
        self.inboxInput.finish()
        self.hub.unregister(self)
        let services = self.services
        let roomID = self.roomID
        let principal = self.principal
        let id = connection.id
        Task {
            await services.disconnect(roomID, connection: id, by: principal)
            services.log.info(
                "ws_closed", user: principal.userID.rawValue, room: roomID.description,
                ["code": code.map(String.init) ?? "none"])
        }
    }

    // MARK: - Outbound

    func send(_ frame: OutboundFrame) {
        self.connection.withLock { $0 }?.send(frame)
    }

    func close(code: UInt16, reason: String) {
        self.connection.withLock { $0 }?.close(code: code, reason: reason)
    }

    /// A live event from the hub: the connection to write `frame` to now, or nil when the event is held during
    /// catch-up, was already sent by the replay, or is not for this client. The hub writes one broadcast to all the
    /// room's connections at once (`WebSocketConnection.send(_:to:)`).
    func recipient(of event: LiveEvent, frame: OutboundFrame) -> WebSocketConnection? {
        switch event {
        case .typing(_, let user, _, _), .userJoined(_, let user, _, _), .userLeft(_, let user, _, _),
            .readReceipt(_, let user, _, _, _):
            // Others are told; the user's own connections know already.
            if user == self.principal.userID { return nil }
        case .messageCreated(let message):
            // Every change of the room or its members comes with a system message.
            if message.kind == .system { self.access.roomChanged() }
        case .messageEdited, .messageDeleted, .reactionsUpdated, .accessRevoked, .notification, .tokenRevoked,
            .messagePinned, .messageUnpinned, .announcement:
            break
        }
        let sendNow = self.phase.withLock { phase -> Bool in
            switch phase {
            case .syncing(var waiting):
                waiting.append((event, frame))
                phase = .syncing(waiting)
                return false
            case .live(let synced):
                if case .messageCreated(let message) = event, message.sequenceNumber <= synced { return false }
                return true
            case .closed:
                return false
            }
        }
        return sendNow ? self.connection.withLock { $0 } : nil
    }

    // MARK: - The session

    private func run(_ connection: WebSocketConnection) async {
        let services = self.services
        do {
            let generation = self.access.generation()
            let access = try await services.connect(self.roomID, connection: connection.id, by: self.principal)
            self.access.remember(access, at: services.deps.clock.now(), generation: generation)
            services.log.info("ws_connected", user: self.principal.userID.rawValue, room: self.roomID.description)
            let online = await services.deps.presence.online(in: self.roomID)
            var synced = access.room.lastSequenceNumber
            var rev = access.room.rev
            if let resume = self.resume {
                let missed = try await services.catchUp(
                    self.roomID, lastSequence: resume.lastSequence, lastRev: resume.lastRev, by: self.principal)
                synced = missed.lastSequenceNumber
                rev = missed.rev
                self.send(self.connected(access, lastSequence: synced, rev: rev, online: online))
                for message in missed.messages { self.send(self.hub.frames.frame(for: .messageCreated(message))!) }
                for message in missed.changed {
                    self.send(self.hub.frames.catchUpFrame(for: message, afterRev: resume.lastRev ?? 0))
                }
                self.send(
                    LiveEventFrames.frame([
                        "type": .string("sync_complete"), "last_sequence_number": .number(Double(synced)),
                        "rev": .number(Double(rev)),
                    ]))
            } else {
                self.send(self.connected(access, lastSequence: synced, rev: rev, online: online))
            }
            self.goLive(synced: synced)
        } catch {
            let refusal = DomainError.from(error)
            self.send(self.error(refusal, clientID: nil))
            connection.close(
                code: refusal == .forbidden || refusal == .notFound("Room") ? 1008 : 1011, reason: refusal.code)
            return
        }
        for await text in self.inbox {
            await self.handle(text)
        }
    }

    private func goLive(synced: Int64) {
        let waiting = self.phase.withLock { phase -> [(LiveEvent, OutboundFrame)] in
            guard case .syncing(let waiting) = phase else { return [] }
            phase = .live(synced: synced)
            return waiting
        }
        for (event, frame) in waiting {
            if case .messageCreated(let message) = event, message.sequenceNumber <= synced { continue }
            self.send(frame)
        }
    }

    private func connected(_ access: RoomAccess, lastSequence: Int64, rev: Int64, online: [PresenceEntry])
        -> OutboundFrame
    {
        LiveEventFrames.frame([
            "type": .string("connected"), "room_id": .string(self.roomID.description),
            "user_id": .string(self.principal.userID.rawValue), "role": .string(access.role.rawValue),
            "last_sequence_number": .number(Double(lastSequence)), "rev": .number(Double(rev)),
            "online": .array(online.map { self.services.presenter.presence($0, since: false) }),
        ])
    }

    private func error(_ error: DomainError, clientID: String?) -> OutboundFrame {
        var object: JSONObject = [
            "type": .string("error"), "code": .string(error.code), "message": .string(error.message),
        ]
        if let clientID { object["client_id"] = .string(clientID) }
        if case .validationFailed(let field, _) = error { object["field"] = .string(field) }
        return LiveEventFrames.frame(object)
    }

    // MARK: - Client events

    private func handle(_ text: String) async {
        guard self.principal.tokenExpiresAt > self.services.deps.clock.now() else {
            self.close(code: 1008, reason: "token expired")
            return
        }
        let body: RequestBody
        do {
            body = try RequestBody(bytes: Array(text.utf8))
        } catch {
            self.send(self.error(.invalidMessage("The event is not a JSON object."), clientID: nil))
            return
        }
        let clientID = try? body.string("client_id")
        do {
            try await self.dispatch(body)
        } catch {
            self.refuse(error, event: body, clientID: clientID ?? nil)
        }
    }

    private func refuse(_ error: any Error, event body: RequestBody, clientID: String?) {
        var refusal = DomainError.from(error)
        if case .invalidRequest(let reason) = refusal { refusal = .invalidMessage(reason) }
        if case .validationFailed = refusal, (try? body.string("type")) != "message" {
            refusal = .invalidMessage(refusal.message)
        }
        self.services.metrics.increment("incident_errors_total{code=\"\(refusal.code)\"}")
        if refusal.httpStatus == 403 {
            self.services.log.info(
                "permission_denied", user: self.principal.userID.rawValue, room: self.roomID.description,
                ["code": refusal.code])
        }
        self.send(self.error(refusal, clientID: clientID))
    }

    private func dispatch(_ body: RequestBody) async throws {
        let services = self.services
        let user = self.principal.userID.rawValue
        let room = self.roomID.description
        let type = try body.string("type")
        if type == "message" {
            // Messages are checked one at a time, in order, then committed without waiting: the group committer
            // keeps their order and stores many per transaction.
            await self.commits.wait(below: Self.maximumInFlight)
            let request = try SendMessage.Request(body)
            let prepared = try await services.sendMessage.prepare(
                request, to: self.roomID, by: self.principal, memo: self.access)
            self.commits.begin()
            services.sendMessage.commit(prepared) { result in
                defer { self.commits.end() }
                switch result {
                case .success(let appended):
                    let message = appended.message
                    if case .stored = appended {
                        services.metrics.increment("incident_messages_total{type=\"\(message.kind.rawValue)\"}")
                        services.log.info(
                            "message_sent", user: user, room: room,
                            ["message": message.id.description, "type": message.kind.rawValue])
                    }
                    self.send(
                        LiveEventFrames.frame([
                            "type": .string("ack"), "client_id": request.clientID.map { .string($0) } ?? .null,
                            "message_id": .string(message.id.description),
                            "sequence_number": .number(Double(message.sequenceNumber)),
                            "created_at": Presenter.time(message.createdAt),
                        ]))
                case .failure(let error):
                    self.refuse(error, event: body, clientID: request.clientID)
                }
            }
            return
        }
        // Anything else may refer to a message this connection just sent: those commits finish first.
        await self.commits.wait(below: 1)
        switch type {
        case "edit_message":
            let id: MessageID = try Endpoint.identifier(try body.string("message_id"), "message_id")
            guard let content = body.object["content"] else { throw DomainError.invalidMessage("content is required.") }
            _ = try await services.editMessage(id, content: content, by: self.principal)
            services.metrics.increment("incident_message_edits_total")
            services.log.info("message_edited", user: user, room: room, ["message": id.description])
        case "delete_message":
            let id: MessageID = try Endpoint.identifier(try body.string("message_id"), "message_id")
            _ = try await services.deleteMessage(id, by: self.principal)
            services.metrics.increment("incident_message_deletes_total")
            services.log.info("message_deleted", user: user, room: room, ["message": id.description])
        case "add_reaction", "remove_reaction":
            let id: MessageID = try Endpoint.identifier(try body.string("message_id"), "message_id")
            let action: ReactionAction = try body.string("type") == "add_reaction" ? .added : .removed
            _ = try await services.react(
                id, emoji: try body.requiredString("emoji"), action: action, by: self.principal)
        case "typing":
            guard let isTyping = try body.bool("is_typing") else {
                throw DomainError.invalidMessage("is_typing is required.")
            }
            try await services.setTyping(isTyping, in: self.roomID, by: self.principal)
        case "ping":
            self.send(LiveEventFrames.frame(["type": .string("pong")]))
        case "read":
            guard let sequence = try body.nonNegativeInteger("sequence_number") else {
                throw DomainError.validationFailed(field: "sequence_number", reason: "is required")
            }
            _ = try await services.markRoomRead(self.roomID, upTo: sequence, by: self.principal)
        case let other:
            throw DomainError.invalidMessage("Unknown event type \(other.map { "\"\($0)\"" } ?? "(none)").")
        }
    }
}
