package import Foundation

/// An incident room: one production problem, its people and its timeline.
package struct Room: Hashable, Sendable {
    package var id: RoomID
    package var title: String
    package var incidentType: IncidentType
    package var severity: Severity
    package var status: RoomStatus
    package var location: String
    package var description: String
    package var lots: [String]
    package var createdBy: UserID
    package var createdAt: Date
    package var updatedAt: Date
    package var resolvedAt: Date?
    package var lastActivityAt: Date
    /// The highest message sequence number; messages are numbered 1, 2, 3 ... with no gaps.
    package var lastSequenceNumber: Int64
    /// The room's revision, raised by every stored change (message, edit, deletion, reaction change).
    package var rev: Int64
    package var memberCount: Int

    package init(
        id: RoomID, title: String, incidentType: IncidentType, severity: Severity, status: RoomStatus,
        location: String, description: String, lots: [String], createdBy: UserID, createdAt: Date, updatedAt: Date,
        resolvedAt: Date?, lastActivityAt: Date, lastSequenceNumber: Int64, rev: Int64, memberCount: Int
    ) {
        self.id = id
        self.title = title
        self.incidentType = incidentType
        self.severity = severity
        self.status = status
        self.location = location
        self.description = description
        self.lots = lots
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.resolvedAt = resolvedAt
        self.lastActivityAt = lastActivityAt
        self.lastSequenceNumber = lastSequenceNumber
        self.rev = rev
        self.memberCount = memberCount
    }
}

package enum IncidentType: String, Sendable, Codable, CaseIterable {
    case equipmentFailure = "equipment_failure"
    case materialShortage = "material_shortage"
    case qualityIssue = "quality_issue"
    case other
}

package enum Severity: String, Sendable, Codable, CaseIterable {
    case low, medium, high, critical
}

/// active -> resolved -> archived, with reopening; archived is final and read-only.
package enum RoomStatus: String, Sendable, Codable, CaseIterable {
    case active, resolved, archived

    /// Whether a room may move from this status to `next` (API.md, Rooms: transitions).
    package func canMove(to next: RoomStatus) -> Bool {
        switch (self, next) {
        case (.active, .resolved), (.resolved, .active), (.resolved, .archived), (.active, .archived):
            return true
        case (.active, .active), (.resolved, .resolved), (.archived, _):
            return false
        }
    }
}

/// A person's place in a room.
package struct Member: Hashable, Sendable {
    package var roomID: RoomID
    package var userID: UserID
    /// The user's display name as last seen at login, or the id for a user who never signed in.
    package var displayName: String
    package var role: Role
    package var addedAt: Date

    package init(roomID: RoomID, userID: UserID, displayName: String, role: Role, addedAt: Date) {
        self.roomID = roomID
        self.userID = userID
        self.displayName = displayName
        self.role = role
        self.addedAt = addedAt
    }
}
