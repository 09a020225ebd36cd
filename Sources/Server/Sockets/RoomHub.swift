import Application
import Domain
import Foundation
import Synchronization
import Transport

/// Routes live events to this process's WebSocket sessions: each event is serialized once and the same frame is
/// queued on every session of its room (or of its user, for notifications).
///
/// Messages are handed on in sequence order: a message that overtakes an earlier one (two use cases publishing
/// concurrently) is held until the earlier one arrives, or for at most `holdLimit`, after which it goes anyway and
/// clients fill any gap with catch-up.
final class RoomHub: Sendable {
    static let holdLimit: TimeInterval = 1

    private struct Held {
        var message: Message
        var frame: OutboundFrame
        var since: Date
    }

    private struct RoomState {
        var sessions: [UInt64: RoomSession] = [:]
        /// The sequence number the next in-order message has; nil until the first message is seen.
        var expected: Int64?
        var held: [Int64: Held] = [:]
    }

    private struct State {
        var rooms: [RoomID: RoomState] = [:]
        var notificationSessions: [UserID: [UInt64: NotificationSession]] = [:]
    }

    private let state = Mutex(State())
    let frames: LiveEventFrames
    let metrics: Metrics

    init(frames: LiveEventFrames, metrics: Metrics) {
        self.frames = frames
        self.metrics = metrics
    }

    var sessionCount: Int {
        self.state.withLock { state in
            state.rooms.values.reduce(0) { $0 + $1.sessions.count }
                + state.notificationSessions.values.reduce(0) { $0 + $1.count }
        }
    }

    // MARK: - Sessions

    func register(_ session: RoomSession) {
        self.state.withLock { $0.rooms[session.roomID, default: RoomState()].sessions[session.id] = session }
    }

    func unregister(_ session: RoomSession) {
        self.state.withLock { state in
            state.rooms[session.roomID]?.sessions[session.id] = nil
            if state.rooms[session.roomID]?.sessions.isEmpty == true { state.rooms[session.roomID] = nil }
        }
    }

    func register(_ session: NotificationSession) {
        self.state.withLock { $0.notificationSessions[session.userID, default: [:]][session.id] = session }
    }

    func unregister(_ session: NotificationSession) {
        self.state.withLock { state in
            state.notificationSessions[session.userID]?[session.id] = nil
            if state.notificationSessions[session.userID]?.isEmpty == true {
                state.notificationSessions[session.userID] = nil
            }
        }
    }

    /// Closes this process's sockets opened with a token that was just revoked (logout).
    private func closeSessions(ofToken tokenID: String) {
        let (rooms, notifications) = self.state.withLock { state in
            (
                state.rooms.values.flatMap { $0.sessions.values }.filter { $0.principal.tokenID == tokenID },
                state.notificationSessions.values.flatMap { $0.values }.filter { $0.principal.tokenID == tokenID }
            )
        }
        for session in rooms { session.close(code: 1008, reason: "logged out") }
        for session in notifications { session.close(code: 1008, reason: "logged out") }
    }

    func roomSessions() -> [RoomSession] {
        self.state.withLock { $0.rooms.values.flatMap { $0.sessions.values } }
    }

    // MARK: - Events

    /// Called by the event bus for every live event.
    func handle(_ event: LiveEvent) {
        switch event {
        case .notification(let notification):
            guard let frame = self.frames.frame(for: event) else { return }
            let sessions = self.state.withLock { Array(($0.notificationSessions[notification.userID] ?? [:]).values) }
            for session in sessions { session.send(frame) }
        case .tokenRevoked(let tokenID):
            self.closeSessions(ofToken: tokenID)
        case .accessRevoked(let room, let user):
            let sessions = self.state.withLock { Array(($0.rooms[room]?.sessions ?? [:]).values) }
            for session in sessions where session.userID == user {
                session.close(code: 1008, reason: "removed from the room")
            }
        case .messageCreated(let message):
            guard let frame = self.frames.frame(for: event) else { return }
            for (ready, frame) in self.order(message, frame: frame) {
                self.deliver(.messageCreated(ready), frame: frame, room: ready.roomID)
            }
        case .messageEdited, .messageDeleted, .reactionsUpdated, .typing, .userJoined, .userLeft, .readReceipt,
            .messagePinned, .messageUnpinned:
            guard let room = event.roomID, let frame = self.frames.frame(for: event) else { return }
            self.deliver(event, frame: frame, room: room)
        case .announcement:
            // Everyone: every room connection (through its phase, like any event) and every notification one.
            guard let frame = self.frames.frame(for: event) else { return }
            let (rooms, notifications) = self.state.withLock { state in
                (
                    state.rooms.values.flatMap { $0.sessions.values },
                    state.notificationSessions.values.flatMap { $0.values }
                )
            }
            WebSocketConnection.send(frame, to: rooms.compactMap { $0.recipient(of: event, frame: frame) })
            for session in notifications { session.send(frame) }
        }
    }

    private func deliver(_ event: LiveEvent, frame: OutboundFrame, room: RoomID) {
        let sessions = self.state.withLock { Array(($0.rooms[room]?.sessions ?? [:]).values) }
        WebSocketConnection.send(frame, to: sessions.compactMap { $0.recipient(of: event, frame: frame) })
        if case .messageCreated(let message) = event {
            self.metrics.observeBroadcastLatency(seconds: max(0, Date().timeIntervalSince(message.createdAt)))
        }
    }

    /// The messages that may go out now, in sequence order, after `message` arrived.
    private func order(_ message: Message, frame: OutboundFrame) -> [(Message, OutboundFrame)] {
        self.state.withLock { state -> [(Message, OutboundFrame)] in
            guard var room = state.rooms[message.roomID] else { return [] }
            defer { state.rooms[message.roomID] = room }
            let expected = room.expected ?? message.sequenceNumber
            if message.sequenceNumber < expected { return [(message, frame)] }
            if message.sequenceNumber > expected {
                room.held[message.sequenceNumber] = Held(message: message, frame: frame, since: Date())
                room.expected = expected
                return []
            }
            var ready = [(message, frame)]
            var next = expected + 1
            while let held = room.held.removeValue(forKey: next) {
                ready.append((held.message, held.frame))
                next += 1
            }
            room.expected = next
            return ready
        }
    }

    /// Releases messages held longer than `holdLimit`, in order; called about once a second.
    func releaseStaleHeldMessages(now: Date = Date()) {
        let released = self.state.withLock { state -> [(Message, OutboundFrame)] in
            var released: [(Message, OutboundFrame)] = []
            for (id, room) in state.rooms
            where room.held.values.contains(where: { now.timeIntervalSince($0.since) >= Self.holdLimit }) {
                var room = room
                let ordered = room.held.keys.sorted()
                released += ordered.map { (room.held[$0]!.message, room.held[$0]!.frame) }
                room.held = [:]
                room.expected = (ordered.last ?? 0) + 1
                state.rooms[id] = room
            }
            return released
        }
        for (message, frame) in released { self.deliver(.messageCreated(message), frame: frame, room: message.roomID) }
    }
}
