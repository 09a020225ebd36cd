package import Domain
import Foundation

/// Posts a plant-wide announcement (admins only): stored, then sent to every open room and notification connection
/// on every process; notification connections opened within 24 hours receive it after `unread_sync`.
package struct PostAnnouncement: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(message: String, severity: AnnouncementSeverity, by principal: Principal)
        async throws -> Announcement
    {
        guard principal.isAdmin else { throw DomainError.insufficientPermissions }
        try Announcement.validate(message: message)
        try self.deps.limits.takeAction(for: principal.userID, at: self.deps.clock.now())
        let announcement = Announcement(
            id: AnnouncementID(uuid: self.deps.ids.next()), message: message, severity: severity,
            createdBy: principal.userID, createdAt: self.deps.clock.now())
        try await self.deps.notifications.add(announcement)
        await self.deps.bus.publish(.announcement(announcement))
        return announcement
    }
}

/// The announcements of the last 24 hours, newest first, for any signed-in user (and for the replay to a
/// notification connection).
package struct ListAnnouncements: Sendable {
    /// More than this in one day is not a notice any more; the oldest are left out.
    package static let limit = 100

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(by principal: Principal) async throws -> [Announcement] {
        try await self.deps.notifications.announcements(
            since: self.deps.clock.now().addingTimeInterval(-Announcement.lifetime), limit: Self.limit)
    }
}
