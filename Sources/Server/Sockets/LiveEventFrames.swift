import Application
import Domain
import Foundation
import Transport

/// Serializes live events into the WebSocket events of API.md: once per event, shared by every recipient.
struct LiveEventFrames: Sendable {
    let presenter: Presenter

    /// The frame for a room's connections, or nil for events that are not sent as such.
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
        case .readReceipt(_, let user, let displayName, let sequence, let at):
            var object = self.presenter.receipt(
                user: user, displayName: displayName, lastReadSequence: sequence, readAt: at)
            object["type"] = .string("read_receipt")
            return Self.frame(object)
        case .messagePinned(let message):
            return Self.frame(self.pin(message, pinned: true))
        case .messageUnpinned(let message):
            return Self.frame(self.pin(message, pinned: false))
        case .announcement(let announcement):
            return Self.frame([
                "type": .string("announcement"), "announcement": self.presenter.announcement(announcement),
            ])
        case .accessRevoked, .tokenRevoked:
            return nil
        }
    }

    private func pin(_ message: Message, pinned: Bool) -> JSONObject {
        [
            "type": .string(pinned ? "message_pinned" : "message_unpinned"),
            "message": self.presenter.message(message), "rev": .number(Double(message.rev)),
        ]
    }

    /// How catch-up reports an older message changed since the client's revision `afterRev`: its current state, as
    /// the event of a pin change when its pin changed since (that event carries the whole message).
    func catchUpFrame(for message: Message, afterRev: Int64) -> OutboundFrame {
        if message.isDeleted { return Self.frame(self.deleted(message)) }
        if let pinRev = message.pinRev, pinRev > afterRev {
            return Self.frame(self.pin(message, pinned: message.isPinned))
        }
        if message.editedAt != nil {
            return Self.frame(["type": .string("message_edited"), "message": self.presenter.message(message)])
        }
        return Self.frame(self.reactions(message))
    }

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

    static func frame(_ object: JSONObject) -> OutboundFrame {
        OutboundFrame.text(JSONWriter.encode(.object(object)))
    }
}
