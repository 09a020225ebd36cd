package import Domain
package import Foundation

/// Notifications per user, and the plant-wide announcements.
package protocol NotificationStore: Sendable {
    /// Stores the notifications. A `mention` notification of a message its recipient's read marker has already
    /// passed is stored as read (at its `createdAt`): the read came first.
    func add(_ notifications: [UserNotification]) async throws
    /// The user's notifications, newest first, at most `limit`.
    func notifications(for userID: UserID, unreadOnly: Bool, limit: Int) async throws -> [UserNotification]
    func unreadCount(for userID: UserID) async throws -> Int
    /// Marks one of the user's notifications read; false when it is not theirs or does not exist.
    func markRead(_ id: NotificationID, for userID: UserID, at: Date) async throws -> Bool
    func markAllRead(for userID: UserID, at: Date) async throws

    /// Stores an announcement; throws `DomainError.conflict` for a repeated id.
    func add(_ announcement: Announcement) async throws
    /// Announcements created at or after `since`, newest first, at most `limit`.
    func announcements(since: Date, limit: Int) async throws -> [Announcement]
}
