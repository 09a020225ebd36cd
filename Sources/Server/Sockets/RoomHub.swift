import Application
import Domain
import Foundation
import Synchronization
import Transport

/// Routes live events to this process's WebSocket sessions: each event is serialized once and the same frame is
/// queued on every session of its room (or of its user, for notifications).
///
/// It only fans out: the order of a room's events is decided where they are stored (`RoomCommitter`), and the bus
/// hands them over in that order.
final class RoomHub: Sendable {
    private struct State {
        /// Each room's sessions, as an array: a broadcast takes it without copying (copy-on-write), since rooms change
        /// membership far less often than they broadcast.
        var rooms: [RoomID: [RoomSession]] = [:]
        var notificationSessions: [UserID: [UInt64: NotificationSession]] = [:]
    }

    private let state = Mutex(State())
    let events: ServerEventEncoder
    let metrics: Metrics
    let clock: any WallClock

    init(events: ServerEventEncoder, metrics: Metrics, clock: any WallClock) {
        self.events = events
        self.metrics = metrics
        self.clock = clock
    }

    var sessionCount: Int {
        self.state.withLock { state in
            state.rooms.values.reduce(0) { $0 + $1.count }
                + state.notificationSessions.values.reduce(0) { $0 + $1.count }
        }
    }

    // MARK: - Sessions

    func register(_ session: RoomSession) {
        self.state.withLock { $0.rooms[session.roomID, default: []].append(session) }
    }

    func unregister(_ session: RoomSession) {
        self.state.withLock { state in
            state.rooms[session.roomID]?.removeAll { $0 === session }
            if state.rooms[session.roomID]?.isEmpty == true { state.rooms[session.roomID] = nil }
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

    // MARK: - Events

    /// Called by the event bus for every live event, in the order the room's changes were stored.
    func handle(_ event: LiveEvent) {
        switch event {
        case .notification(let notification):
            guard let frame = self.events.frame(for: event) else { return }
            let sessions = self.state.withLock { Array(($0.notificationSessions[notification.userID] ?? [:]).values) }
            for session in sessions { session.send(frame) }
        case .tokenRevoked(let tokenID):
            self.closeSessions(ofToken: tokenID)
        case .accessRevoked(let room, let user):
            let sessions = self.state.withLock { $0.rooms[room] ?? [] }
            for session in sessions where session.userID == user {
                session.close(code: .policyViolation, reason: "removed from the room")
            }
        case .messageCreated, .messageEdited, .messageDeleted, .reactionsUpdated, .typing, .userJoined, .userLeft:
            guard let room = event.roomID, let frame = self.events.frame(for: event) else { return }
            let sessions = self.state.withLock { $0.rooms[room] ?? [] }
            sessions.compactMap { $0.recipient(of: event, frame: frame) }.send(frame)
            if case .messageCreated(let message) = event {
                self.metrics.observeBroadcastLatency(
                    seconds: max(0, self.clock.now().timeIntervalSince(message.createdAt)))
            }
        }
    }

    /// Closes this process's sockets opened with a token that was just revoked (logout).
    private func closeSessions(ofToken tokenID: String) {
        let (rooms, notifications) = self.state.withLock { state in
            (
                state.rooms.values.joined().filter { $0.principal.tokenID == tokenID },
                state.notificationSessions.values.flatMap { $0.values }.filter { $0.principal.tokenID == tokenID }
            )
        }
        for session in rooms { session.close(code: .policyViolation, reason: "logged out") }
        for session in notifications { session.close(code: .policyViolation, reason: "logged out") }
    }
}
