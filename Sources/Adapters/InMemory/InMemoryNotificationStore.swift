import Application
package import Domain
package import Foundation

/// `NotificationStore` over an `InMemoryDatabase`.
package struct InMemoryNotificationStore: NotificationStore {
    let database: InMemoryDatabase

    package init(database: InMemoryDatabase) {
        self.database = database
    }

    package func add(_ notifications: [UserNotification]) async throws {
        self.database.mutate { state in
            for var notification in notifications {
                // A read that came before the notification was stored still counts (NotificationStore.add).
                if notification.kind == .mention, notification.readAt == nil,
                    let marker = state.rooms[notification.roomID]?.markers[notification.userID],
                    state.isPassed(notification, by: marker)
                {
                    notification.readAt = notification.createdAt
                }
                state.notifications[notification.id] = notification
            }
        }
    }

    package func add(_ announcement: Announcement) async throws {
        try self.database.write { (state) throws(DomainError) in
            guard state.announcements[announcement.id] == nil else {
                throw .conflict("The announcement already exists.")
            }
            state.announcements[announcement.id] = announcement
        }
    }

    package func announcements(since: Date, limit: Int) async throws -> [Announcement] {
        self.database.read { state in
            Array(
                state.announcements.values.filter { $0.createdAt >= since }
                    .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.prefix(max(0, limit)))
        }
    }

    package func notifications(for userID: UserID, unreadOnly: Bool, limit: Int) async throws -> [UserNotification] {
        self.database.read { state in
            let mine = state.notifications.values.filter { $0.userID == userID && (!unreadOnly || $0.readAt == nil) }
            return Array(mine.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.prefix(limit))
        }
    }

    package func unreadCount(for userID: UserID) async throws -> Int {
        self.database.read { state in
            state.notifications.values.count { $0.userID == userID && $0.readAt == nil }
        }
    }

    package func markRead(_ id: NotificationID, for userID: UserID, at date: Date) async throws -> Bool {
        self.database.mutate { state in
            guard let notification = state.notifications[id], notification.userID == userID else { return false }
            if notification.readAt == nil { state.notifications[id]!.readAt = date }
            return true
        }
    }

    package func markAllRead(for userID: UserID, at date: Date) async throws {
        self.database.mutate { state in
            for (id, notification) in state.notifications
            where notification.userID == userID && notification.readAt == nil {
                state.notifications[id]!.readAt = date
            }
        }
    }
}
