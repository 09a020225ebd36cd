package import Foundation

/// A user's id: the e-mail address from the directory, lower-cased (API.md, Conventions).
package struct UserID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    package let rawValue: String

    /// Lower-cases and trims the id, so `John.Doe@Example.com ` and `john.doe@example.com` are one user.
    package init(_ value: String) {
        self.rawValue = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    package init(rawValue: String) { self.init(rawValue) }

    package var description: String { self.rawValue }

    package static func < (lhs: UserID, rhs: UserID) -> Bool { lhs.rawValue < rhs.rawValue }

    package init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.rawValue)
    }
}

/// A UUID-backed identifier, rendered lower-case as API.md asks.
package protocol UUIDIdentifier: Hashable, Sendable, CustomStringConvertible, Comparable {
    var uuid: UUID { get }
    init(uuid: UUID)
}

extension UUIDIdentifier {
    /// Parses a UUID string; nil for anything else (path traversal, garbage), so callers answer 400/404.
    package init?(_ text: String) {
        guard text.utf8.count == 36, let uuid = UUID(uuidString: text) else { return nil }
        self.init(uuid: uuid)
    }

    package var description: String { self.uuid.lowercaseText }

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }
}

package struct RoomID: UUIDIdentifier {
    package let uuid: UUID
    package init(uuid: UUID) { self.uuid = uuid }
}

package struct MessageID: UUIDIdentifier {
    package let uuid: UUID
    package init(uuid: UUID) { self.uuid = uuid }
}

package struct FileID: UUIDIdentifier {
    package let uuid: UUID
    package init(uuid: UUID) { self.uuid = uuid }
}

package struct NotificationID: UUIDIdentifier {
    package let uuid: UUID
    package init(uuid: UUID) { self.uuid = uuid }
}

package struct AnnouncementID: UUIDIdentifier {
    package let uuid: UUID
    package init(uuid: UUID) { self.uuid = uuid }
}
