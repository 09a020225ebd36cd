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
            for notification in notifications { state.notifications[notification.id] = notification }
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
