package import Foundation

/// A notification: something a user should see even when they are not looking at the room.
package struct UserNotification: Hashable, Sendable {
    package var id: NotificationID
    package var userID: UserID
    package var kind: NotificationKind
    package var title: String
    package var message: String
    package var roomID: RoomID
    package var reference: NotificationReference
    package var createdAt: Date
    package var readAt: Date?

    package init(
        id: NotificationID, userID: UserID, kind: NotificationKind, title: String, message: String, roomID: RoomID,
        reference: NotificationReference, createdAt: Date, readAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.kind = kind
        self.title = title
        self.message = message
        self.roomID = roomID
        self.reference = reference
        self.createdAt = createdAt
        self.readAt = readAt
    }
}

package enum NotificationKind: String, Sendable, Codable, CaseIterable {
    case mention
    case memberAdded = "member_added"
    case statusChanged = "status_changed"
}

package enum NotificationReference: Hashable, Sendable {
    case message(MessageID)
    case room(RoomID)

    package var type: String {
        switch self {
        case .message: "message"
        case .room: "room"
        }
    }

    package var id: String {
        switch self {
        case .message(let id): id.description
        case .room(let id): id.description
        }
    }
}
