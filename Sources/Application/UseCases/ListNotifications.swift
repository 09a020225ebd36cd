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
