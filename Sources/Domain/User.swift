package import Foundation

/// A person who has signed in at least once, as the directory described them at their last login.
package struct User: Hashable, Sendable {
    package var id: UserID
    package var displayName: String
    package var email: String
    package var isAdmin: Bool
    package var lastLoginAt: Date?

    package init(id: UserID, displayName: String, email: String, isAdmin: Bool, lastLoginAt: Date? = nil) {
        self.id = id
        self.displayName = displayName
        self.email = email
        self.isAdmin = isAdmin
        self.lastLoginAt = lastLoginAt
    }
}
