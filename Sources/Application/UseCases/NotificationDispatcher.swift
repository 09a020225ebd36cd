import Domain
import Foundation

/// Stores notifications and pushes them to the recipients' live connections.
struct NotificationDispatcher {
    let deps: Dependencies

    func make(
        for user: UserID, kind: NotificationKind, title: String, message: String, room: RoomID,
        reference: NotificationReference, at: Date
    ) -> UserNotification {
        UserNotification(
            id: NotificationID(uuid: self.deps.ids.next()), userID: user, kind: kind, title: title, message: message,
            roomID: room, reference: reference, createdAt: at)
    }

    func deliver(_ notifications: [UserNotification]) async throws {
        guard !notifications.isEmpty else { return }
        try await self.deps.notifications.add(notifications)
        for notification in notifications { await self.deps.bus.publish(.notification(notification)) }
    }
}
