import Application
import Domain
import Foundation
import Transport

/// Writes the server's WebSocket events of API.md: the one place that knows their wire names. Each event is
/// serialized once and the same frame is shared by every recipient; the values inside (Message, Notification ...)
/// are the Presenter's, as on REST.
struct ServerEventEncoder: Sendable {
    let presenter: Presenter

    // MARK: - Live events

    /// The frame of a live event for a room's or a user's connections; nil for events that are not sent as such.
    func frame(for event: LiveEvent) -> OutboundFrame? {
        switch event {
        case .messageCreated(let message):
            return Self.frame(["type": .string("message"), "message": self.presenter.message(message)])
        case .messageEdited(let message):
            return Self.frame(["type": .string("message_edited"), "message": self.presenter.message(message)])
        case .messageDeleted(let message):
            return Self.frame(self.deleted(message))
        case .reactionsUpdated(let message, let user, let emoji, let action):
            var object = self.reactions(message)
            object["user_id"] = .string(user.rawValue)
            object["emoji"] = .string(emoji)
            object["action"] = .string(action.rawValue)
            return Self.frame(object)
        case .typing(_, let user, let displayName, let isTyping):
            return Self.frame([
                "type": .string("typing"), "user_id": .string(user.rawValue), "display_name": .string(displayName),
                "is_typing": .bool(isTyping),
            ])
        case .userJoined(_, let user, let displayName, let at), .userLeft(_, let user, let displayName, let at):
            let joined: Bool
            if case .userJoined = event { joined = true } else { joined = false }
            return Self.frame([
                "type": .string("system"), "event": .string(joined ? "user_joined" : "user_left"),
                "user_id": .string(user.rawValue), "display_name": .string(displayName),
                "timestamp": Presenter.time(at),
            ])
        case .notification(let notification):
            return Self.frame(["type": .string("notification"), "data": self.presenter.notification(notification)])
        case .accessRevoked, .tokenRevoked:
            return nil
        }
    }

    /// How catch-up reports an older message changed since the client's revision: its current state.
    func catchUp(_ message: Message) -> OutboundFrame {
        if message.isDeleted { return Self.frame(self.deleted(message)) }
        if message.editedAt != nil {
            return Self.frame(["type": .string("message_edited"), "message": self.presenter.message(message)])
        }
        return Self.frame(self.reactions(message))
    }

    // MARK: - Answers to one connection

    func connected(
        room: RoomID, user: UserID, role: Role, lastSequence: Int64, rev: Int64, online: [PresenceEntry]
    ) -> OutboundFrame {
        Self.frame([
            "type": .string("connected"), "room_id": .string(room.description), "user_id": .string(user.rawValue),
            "role": .string(role.rawValue), "last_sequence_number": .number(Double(lastSequence)),
            "rev": .number(Double(rev)), "online": .array(online.map { self.presenter.presence($0, since: false) }),
        ])
    }

    /// The end of a replay; `truncated` when it stopped at its bound before the room's last message (the client
    /// loads the rest of the history over REST).
    func syncComplete(lastSequence: Int64, rev: Int64, truncated: Bool) -> OutboundFrame {
        var object: JSONObject = [
            "type": .string("sync_complete"), "last_sequence_number": .number(Double(lastSequence)),
            "rev": .number(Double(rev)),
        ]
        if truncated { object["truncated"] = .bool(true) }
        return Self.frame(object)
    }

    func ack(clientID: String?, _ message: Message) -> OutboundFrame {
        Self.frame([
            "type": .string("ack"), "client_id": clientID.map { .string($0) } ?? .null,
            "message_id": .string(message.id.description),
            "sequence_number": .number(Double(message.sequenceNumber)), "created_at": Presenter.time(message.createdAt),
        ])
    }

    /// A refused event, in the codes of API.md's WebSocket section (`Refusal.onWebSocket`).
    func error(_ refusal: Refusal, clientID: String?) -> OutboundFrame {
        let refusal = refusal.onWebSocket
        var object: JSONObject = [
            "type": .string("error"), "code": .string(refusal.code), "message": .string(refusal.message),
        ]
        if let clientID { object["client_id"] = .string(clientID) }
        if let field = refusal.field { object["field"] = .string(field) }
        return Self.frame(object)
    }

    let pong = Self.frame(["type": .string("pong")])

    func unreadSync(_ notifications: [UserNotification]) -> OutboundFrame {
        Self.frame([
            "type": .string("unread_sync"), "notifications": .array(notifications.map(self.presenter.notification)),
        ])
    }

    func markRead(_ id: NotificationID) -> OutboundFrame {
        Self.frame(["type": .string("mark_read"), "notification_id": .string(id.description)])
    }

    // MARK: - Shapes

    private func deleted(_ message: Message) -> JSONObject {
        [
            "type": .string("message_deleted"), "message_id": .string(message.id.description),
            "deleted_at": Presenter.time(message.deletedAt),
            "deleted_by": message.deletedBy.map { .string($0.rawValue) } ?? .null, "rev": .number(Double(message.rev)),
        ]
    }

    private func reactions(_ message: Message) -> JSONObject {
        [
            "type": .string("reactions_updated"), "message_id": .string(message.id.description),
            "reactions": self.presenter.reactions(message.reactions), "rev": .number(Double(message.rev)),
        ]
    }

    private static func frame(_ object: JSONObject) -> OutboundFrame {
        OutboundFrame.text(JSONWriter.encode(.object(object)))
    }
}
