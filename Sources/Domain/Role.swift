/// A member's role in one room. Admins act as OWNER everywhere (API.md, Roles).
package enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    case owner = "OWNER"
    case editor = "EDITOR"
    case viewer = "VIEWER"

    /// What this role lets a member do in the room.
    package func allows(_ action: RoomAction) -> Bool {
        switch action {
        case .read:
            return true
        case .send, .react, .uploadFile, .editOwnMessage, .deleteOwnMessage, .pinMessages:
            return self != .viewer
        case .manageRoom, .manageMembers, .deleteAnyMessage, .deleteAnyFile, .readAnyEditHistory:
            return self == .owner
        }
    }

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .editor: 1
        case .owner: 2
        }
    }

    package static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

/// Something a member may or may not do in a room, checked against their `Role`.
package enum RoomAction: Sendable, CaseIterable {
    case read
    case send
    case react
    case uploadFile
    case editOwnMessage
    case deleteOwnMessage
    case deleteAnyMessage
    case deleteAnyFile
    case readAnyEditHistory
    case manageRoom
    case manageMembers
    /// Pin and unpin messages as the incident's key events.
    case pinMessages
}
