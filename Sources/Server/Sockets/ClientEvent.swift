import Application
import Domain

/// An event a client sends on a WebSocket, decoded from its bytes: the one place that knows the client's wire names
/// (API.md, "Client -> server", and the notifications socket).
enum ClientEvent: Sendable {
    case message(SendMessage.Request)
    case editMessage(MessageID, content: JSONValue)
    case deleteMessage(MessageID)
    case reaction(MessageID, emoji: String, ReactionAction)
    case typing(Bool)
    case ping
    case markNotificationRead(NotificationID)

    /// One decoded event, or why it was refused, with the `client_id` it carried (so a refusal names it too).
    enum Decoded: Sendable {
        case event(ClientEvent, clientID: String?)
        case refused(Refusal, clientID: String?)
    }

    /// Decodes an event. Not JSON, not an object or an unknown type: `Refusal.malformed`; a bad field of a known
    /// event: `validationFailed` naming it (a WebSocket reports both as `invalid_message`, the second with `field`).
    static func decode(_ bytes: [UInt8]) -> Decoded {
        let body: RequestBody
        do {
            body = try RequestBody(bytes: bytes)
        } catch {
            return .refused(.malformed("The event is not a JSON object."), clientID: nil)
        }
        let clientID = try? body.string("client_id")
        do {
            return .event(try Self.event(from: body), clientID: clientID ?? nil)
        } catch {
            return .refused(Refusal(error), clientID: clientID ?? nil)
        }
    }

    private static func event(from body: RequestBody) throws -> ClientEvent {
        let type: String?
        do {
            type = try body.string("type")
        } catch {
            throw Refusal.malformed("type must be a string.")
        }
        switch type {
        case "message":
            return .message(try SendMessage.Request(body))
        case "edit_message":
            guard let content = body.object["content"] else {
                throw DomainError.validationFailed(field: "content", reason: "is required")
            }
            return .editMessage(try Self.messageID(body), content: content)
        case "delete_message":
            return .deleteMessage(try Self.messageID(body))
        case "add_reaction", "remove_reaction":
            return .reaction(
                try Self.messageID(body), emoji: try body.requiredString("emoji"),
                type == "add_reaction" ? .added : .removed)
        case "typing":
            guard let isTyping = try body.bool("is_typing") else {
                throw DomainError.validationFailed(field: "is_typing", reason: "is required")
            }
            return .typing(isTyping)
        case "ping":
            return .ping
        case "mark_read":
            guard let id = try body.uuid("notification_id", NotificationID.self) else {
                throw DomainError.validationFailed(field: "notification_id", reason: "is required")
            }
            return .markNotificationRead(id)
        case let other:
            throw Refusal.malformed("Unknown event type \(other.map { "\"\($0)\"" } ?? "(none)").")
        }
    }

    private static func messageID(_ body: RequestBody) throws -> MessageID {
        guard let id = try body.uuid("message_id", MessageID.self) else {
            throw DomainError.validationFailed(field: "message_id", reason: "is required")
        }
        return id
    }
}
