package import Domain

/// The caller's notifications, newest first, and how many are unread.
package struct ListNotifications: Sendable {
    package static let limit = 100

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(unreadOnly: Bool, by principal: Principal) async throws
        -> (notifications: [UserNotification], unread: Int)
    {
        let notifications = try await self.deps.notifications.notifications(
            for: principal.userID, unreadOnly: unreadOnly, limit: Self.limit)
        return (notifications, try await self.deps.notifications.unreadCount(for: principal.userID))
    }
}

/// Marks one of the caller's notifications, or all of them, read.
package struct MarkNotificationsRead: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// `notFound` when the notification is not the caller's.
    package func callAsFunction(_ id: NotificationID?, by principal: Principal) async throws {
        let now = self.deps.clock.now()
        guard let id else {
            try await self.deps.notifications.markAllRead(for: principal.userID, at: now)
            return
        }
        guard try await self.deps.notifications.markRead(id, for: principal.userID, at: now) else {
            throw DomainError.notFound("Notification")
        }
    }
}
