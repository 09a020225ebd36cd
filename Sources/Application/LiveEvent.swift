package import Domain
package import Foundation

/// Something that happened and that connected clients should see at once.
package enum LiveEvent: Hashable, Sendable {
    case messageCreated(Message)
    case messageEdited(Message)
    case messageDeleted(Message)
    case reactionsUpdated(Message, user: UserID, emoji: String, action: ReactionAction)
    case typing(room: RoomID, user: UserID, displayName: String, isTyping: Bool)
    /// A user's first connection to the room opened.
    case userJoined(room: RoomID, user: UserID, displayName: String, at: Date)
    /// A user's last connection to the room closed.
    case userLeft(room: RoomID, user: UserID, displayName: String, at: Date)
    /// The user lost access to the room: their connections to it close (1008).
    case accessRevoked(room: RoomID, user: UserID)
    /// For the user's notification connections.
    case notification(UserNotification)
    /// A token was revoked (logout): every connection opened with it closes (1008), in every process.
    case tokenRevoked(tokenID: String)
    /// A member's read marker moved (already coalesced: at most one a second per user and room).
    case readReceipt(room: RoomID, user: UserID, displayName: String, lastReadSequence: Int64, at: Date)
    /// A message was pinned or unpinned; the message carries its current state and the `rev` the change produced.
    case messagePinned(Message)
    case messageUnpinned(Message)
    /// A plant-wide announcement, for every room and notification connection.
    case announcement(Announcement)

    /// The room whose connections receive the event; nil for per-user events.
    package var roomID: RoomID? {
        switch self {
        case .messageCreated(let message), .messageEdited(let message), .messageDeleted(let message),
            .reactionsUpdated(let message, _, _, _), .messagePinned(let message), .messageUnpinned(let message):
            message.roomID
        case .typing(let room, _, _, _), .userJoined(let room, _, _, _), .userLeft(let room, _, _, _),
            .accessRevoked(let room, _), .readReceipt(let room, _, _, _, _):
            room
        case .notification, .tokenRevoked, .announcement:
            nil
        }
    }
}
