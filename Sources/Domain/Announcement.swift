package import Foundation

/// A plant-wide notice from an admin (a fire drill, a network outage, maintenance tonight), shown to everyone.
package struct Announcement: Hashable, Sendable {
    package var id: AnnouncementID
    package var message: String
    package var severity: AnnouncementSeverity
    package var createdBy: UserID
    package var createdAt: Date

    package init(
        id: AnnouncementID, message: String, severity: AnnouncementSeverity, createdBy: UserID, createdAt: Date
    ) {
        self.id = id
        self.message = message
        self.severity = severity
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    /// 1 to 1 000 characters (API.md revision 2, Announcements).
    package static let maximumCharacters = 1_000
    /// How long an announcement is listed and replayed to notification sockets that connect later.
    package static let lifetime: TimeInterval = 24 * 3600

    /// Refuses an empty or blank text, more than `maximumCharacters`, and control characters other than tab and
    /// newlines.
    package static func validate(message: String) throws(DomainError) {
        guard !message.allSatisfy(\.isWhitespace) else {
            throw .validationFailed(field: "message", reason: "must not be empty")
        }
        guard message.count <= Self.maximumCharacters else {
            throw .validationFailed(field: "message", reason: "must be at most \(Self.maximumCharacters) characters")
        }
        try ContentRules.refuseControlCharacters(message, field: "message")
    }
}

package enum AnnouncementSeverity: String, Sendable, Codable, CaseIterable {
    case info, warning, critical
}
