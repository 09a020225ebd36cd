package import Domain
package import Foundation

/// Notifications per user.
package protocol NotificationStore: Sendable {
    func add(_ notifications: [UserNotification]) async throws
    /// The user's notifications, newest first, at most `limit`.
    func notifications(for userID: UserID, unreadOnly: Bool, limit: Int) async throws -> [UserNotification]
    func unreadCount(for userID: UserID) async throws -> Int
    /// Marks one of the user's notifications read; false when it is not theirs or does not exist.
    func markRead(_ id: NotificationID, for userID: UserID, at: Date) async throws -> Bool
    func markAllRead(for userID: UserID, at: Date) async throws
}
