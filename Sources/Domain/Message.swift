package import Foundation

/// One entry of a room's timeline, as stored. A deleted message keeps its place with `content` nil.
package struct Message: Hashable, Sendable {
    package var id: MessageID
    package var roomID: RoomID
    /// 1, 2, 3 ... per room, in commit order.
    package var sequenceNumber: Int64
    /// The room revision of this message's last change.
    package var rev: Int64
    package var senderID: UserID
    /// The sender's display name when the message was sent (the audit trail keeps the name as it was).
    package var senderDisplayName: String
    package var kind: MessageKind
    package var content: MessageContent?
    package var metadata: JSONObject?
    package var mentions: [UserID]
    /// The attached file, embedded as it was when the message was sent (image_ref / file_ref).
    package var file: StoredFile?
    package var clientID: String?
    package var createdAt: Date
    package var editedAt: Date?
    package var deletedAt: Date?
    package var deletedBy: UserID?
    package var reactions: [ReactionSummary]
    /// When the message was pinned as one of the incident's key events; nil when it is not pinned.
    package var pinnedAt: Date?
    package var pinnedBy: UserID?
    /// The room revision of the last pin or unpin (nil when never pinned), so catch-up can tell a client whose
    /// revision is older that the pin changed, even when a later reaction raised `rev` again.
    package var pinRev: Int64?

    package init(
        id: MessageID, roomID: RoomID, sequenceNumber: Int64, rev: Int64, senderID: UserID,
        senderDisplayName: String, kind: MessageKind, content: MessageContent?, metadata: JSONObject?,
        mentions: [UserID], file: StoredFile?, clientID: String?, createdAt: Date, editedAt: Date? = nil,
        deletedAt: Date? = nil, deletedBy: UserID? = nil, reactions: [ReactionSummary] = [], pinnedAt: Date? = nil,
        pinnedBy: UserID? = nil, pinRev: Int64? = nil
    ) {
        self.id = id
        self.roomID = roomID
        self.sequenceNumber = sequenceNumber
        self.rev = rev
        self.senderID = senderID
        self.senderDisplayName = senderDisplayName
        self.kind = kind
        self.content = content
        self.metadata = metadata
        self.mentions = mentions
        self.file = file
        self.clientID = clientID
        self.createdAt = createdAt
        self.editedAt = editedAt
        self.deletedAt = deletedAt
        self.deletedBy = deletedBy
        self.reactions = reactions
        self.pinnedAt = pinnedAt
        self.pinnedBy = pinnedBy
        self.pinRev = pinRev
    }

    package var isDeleted: Bool { self.deletedAt != nil }
    package var isPinned: Bool { self.pinnedAt != nil }
}

package enum MessageKind: String, Sendable, Codable, CaseIterable {
    case text
    case imageRef = "image_ref"
    case fileRef = "file_ref"
    case system
    case incidentData = "incident_data"

    /// Kinds a client may send; `system` messages are written by the service alone.
    package var isClientSendable: Bool { self != .system }

    /// Kinds whose text is searched (API.md: incident_data is not).
    package var isSearchable: Bool { self != .incidentData }
}

/// What a message says: text (also the caption of a file), or a JSON object of readings.
package enum MessageContent: Hashable, Sendable {
    case text(String)
    case readings(JSONObject)

    package var text: String? {
        guard case .text(let text) = self else { return nil }
        return text
    }

    /// The content as one text: the text, or the readings' JSON as written (key order kept). What an edit history
    /// keeps of the previous version, and what a store may keep in a text column.
    package var writtenText: String {
        switch self {
        case .text(let text): text
        case .readings(let readings): JSONWriter.string(.object(readings))
        }
    }
}

/// A message before the store numbers it.
package struct NewMessage: Hashable, Sendable {
    package var id: MessageID
    package var roomID: RoomID
    package var senderID: UserID
    package var senderDisplayName: String
    package var kind: MessageKind
    package var content: MessageContent
    package var metadata: JSONObject?
    package var mentions: [UserID]
    package var file: StoredFile?
    package var clientID: String?
    package var createdAt: Date

    package init(
        id: MessageID, roomID: RoomID, senderID: UserID, senderDisplayName: String, kind: MessageKind,
        content: MessageContent, metadata: JSONObject? = nil, mentions: [UserID] = [], file: StoredFile? = nil,
        clientID: String? = nil, createdAt: Date
    ) {
        self.id = id
        self.roomID = roomID
        self.senderID = senderID
        self.senderDisplayName = senderDisplayName
        self.kind = kind
        self.content = content
        self.metadata = metadata
        self.mentions = mentions
        self.file = file
        self.clientID = clientID
        self.createdAt = createdAt
    }
}

/// A previous version of an edited message.
package struct EditRecord: Hashable, Sendable {
    package var messageID: MessageID
    package var originalContent: String
    package var editedBy: UserID
    package var editedAt: Date

    package init(messageID: MessageID, originalContent: String, editedBy: UserID, editedAt: Date) {
        self.messageID = messageID
        self.originalContent = originalContent
        self.editedBy = editedBy
        self.editedAt = editedAt
    }
}
