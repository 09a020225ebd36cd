package import Domain

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
