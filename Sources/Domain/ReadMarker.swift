package import Foundation

/// How far one person has read one room: the highest sequence number they have read. It only moves forward.
package struct ReadMarker: Hashable, Sendable {
    package var roomID: RoomID
    package var userID: UserID
    /// 0 before a first read.
    package var lastReadSequence: Int64
    /// When the marker last moved; nil before a first read.
    package var readAt: Date?

    package init(roomID: RoomID, userID: UserID, lastReadSequence: Int64, readAt: Date?) {
        self.roomID = roomID
        self.userID = userID
        self.lastReadSequence = lastReadSequence
        self.readAt = readAt
    }
}

/// What a room holds for one person since their read marker (API.md revision 2, "Read markers and unread counts").
package struct ReadState: Hashable, Sendable {
    package var lastReadSequence: Int64
    /// Messages after the marker that are not deleted and not sent by the person (system messages by others count).
    package var unreadCount: Int
    /// Those of them that mention the person.
    package var mentionCount: Int

    package init(lastReadSequence: Int64, unreadCount: Int, mentionCount: Int) {
        self.lastReadSequence = lastReadSequence
        self.unreadCount = unreadCount
        self.mentionCount = mentionCount
    }

    /// Before any message and any read.
    package static let empty = ReadState(lastReadSequence: 0, unreadCount: 0, mentionCount: 0)
}
