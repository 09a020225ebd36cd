import Application
import Domain
import Foundation
import Synchronization

/// The state behind every in-memory store: one lock around plain values, so a room change and its system message
/// are stored together exactly as a database transaction would store them.
///
/// Made for tests and the quick demo mode (`--store memory`): nothing survives a restart.
package final class InMemoryDatabase: Sendable {
    struct StoredRoom {
        var room: Room
        var members: [UserID: Member] = [:]
        var memberOrder: [UserID] = []
        var sequence: [MessageID] = []
        var clientIDs: [String: MessageID] = [:]
        var markers: [UserID: ReadMarker] = [:]
    }

    struct StoredMessage {
        var message: Message
        var reactions: [(userID: UserID, emoji: String)] = []
        var edits: [EditRecord] = []
    }

    struct State {
        var users: [UserID: User] = [:]
        var rooms: [RoomID: StoredRoom] = [:]
        var messages: [MessageID: StoredMessage] = [:]
        var files: [FileID: StoredFile] = [:]
        var notifications: [NotificationID: UserNotification] = [:]
        var revoked: [String: Date] = [:]
        var announcements: [AnnouncementID: Announcement] = [:]
    }

    let state = Mutex(State())

    package init() {}

    /// Runs `body` with exclusive access to the state.
    func write<T>(_ body: (inout State) throws(DomainError) -> T) throws(DomainError) -> T {
        try self.state.withLock { (state) throws(DomainError) -> T in try body(&state) }
    }

    func mutate<T>(_ body: (inout State) -> T) -> T {
        self.state.withLock { body(&$0) }
    }

    func read<T>(_ body: (State) -> T) -> T {
        self.state.withLock { body($0) }
    }
}

extension InMemoryDatabase.State {
    /// Numbers a new message, raises the room's rev and stores it; the caller holds the lock.
    ///
    /// O(1): the room is changed in place in its dictionary slot, never copied out and back (which copied its whole
    /// sequence of message ids for every message).
    mutating func insert(_ draft: NewMessage) throws(DomainError) -> AppendResult {
        guard let room = self.rooms[draft.roomID]?.room else { throw .notFound("Room") }
        let key = draft.clientID.map { "\(draft.senderID.rawValue)\u{0}\($0)" }
        if let key, let existing = self.rooms[draft.roomID]?.clientIDs[key], let message = self.messages[existing] {
            return .duplicate(self.current(message))
        }
        let message = Message(
            id: draft.id, roomID: draft.roomID, sequenceNumber: room.lastSequenceNumber + 1, rev: room.rev + 1,
            senderID: draft.senderID, senderDisplayName: draft.senderDisplayName, kind: draft.kind,
            content: draft.content, metadata: draft.metadata, mentions: draft.mentions, file: draft.file,
            clientID: draft.clientID, createdAt: draft.createdAt)
        self.rooms[draft.roomID]!.room.lastSequenceNumber = message.sequenceNumber
        self.rooms[draft.roomID]!.room.rev = message.rev
        self.rooms[draft.roomID]!.room.lastActivityAt = max(room.lastActivityAt, draft.createdAt)
        self.rooms[draft.roomID]!.sequence.append(message.id)
        if let key { self.rooms[draft.roomID]!.clientIDs[key] = message.id }
        self.messages[message.id] = InMemoryDatabase.StoredMessage(message: message)
        // Sending a message moves the sender's read marker to it (MessageStore.append).
        _ = self.advanceMarker(of: draft.senderID, in: draft.roomID, to: message.sequenceNumber, at: draft.createdAt)
        return .stored(message)
    }

    /// Moves the marker forward to `sequence` (at most the room's last message) and marks the user's mention
    /// notifications up to it read; the caller holds the lock. Nil for an unknown room.
    mutating func advanceMarker(of user: UserID, in roomID: RoomID, to sequence: Int64, at date: Date)
        -> (marker: ReadMarker, moved: Bool)?
    {
        guard let room = self.rooms[roomID] else { return nil }
        let current =
            room.markers[user] ?? ReadMarker(roomID: roomID, userID: user, lastReadSequence: 0, readAt: nil)
        let target = min(max(0, sequence), room.room.lastSequenceNumber)
        guard target > current.lastReadSequence else { return (current, false) }
        let marker = ReadMarker(roomID: roomID, userID: user, lastReadSequence: target, readAt: date)
        self.rooms[roomID]!.markers[user] = marker
        for (id, notification) in self.notifications
        where notification.userID == user && notification.readAt == nil && notification.kind == .mention
            && notification.roomID == roomID && self.isPassed(notification, by: marker)
        {
            self.notifications[id]!.readAt = date
        }
        return (marker, true)
    }

    /// Whether `marker` has passed the message a mention notification is about.
    func isPassed(_ notification: UserNotification, by marker: ReadMarker) -> Bool {
        guard case .message(let messageID) = notification.reference, let stored = self.messages[messageID] else {
            return false
        }
        return stored.message.roomID == marker.roomID && stored.message.sequenceNumber <= marker.lastReadSequence
    }

    /// The room's unread and mention counts for `user` after their marker (API.md revision 2).
    func readState(of user: UserID, in roomID: RoomID) -> ReadState {
        guard let room = self.rooms[roomID] else { return .empty }
        let marker = room.markers[user]?.lastReadSequence ?? 0
        var unread = 0
        var mentions = 0
        // Sequence numbers are 1, 2, 3 ... without gaps: message n is at index n - 1.
        for id in room.sequence.dropFirst(Int(min(marker, Int64(room.sequence.count)))) {
            guard let message = self.messages[id]?.message, !message.isDeleted, message.senderID != user else {
                continue
            }
            unread += 1
            if message.mentions.contains(user) { mentions += 1 }
        }
        return ReadState(lastReadSequence: marker, unreadCount: unread, mentionCount: mentions)
    }

    /// Changes a message that is not deleted: `change` edits it, given the rev it will take, and says whether anything
    /// changed; if so the room's rev rises to that rev and the message is saved. Returns the message as read after.
    mutating func changeMessage(
        _ id: MessageID, at date: Date, _ change: (inout InMemoryDatabase.StoredMessage, _ rev: Int64) -> Bool
    ) throws(DomainError) -> (message: Message, changed: Bool) {
        guard var stored = self.messages[id], !stored.message.isDeleted else { throw .notFound("Message") }
        let roomID = stored.message.roomID
        let rev = self.rooms[roomID]!.room.rev + 1
        guard change(&stored, rev) else { return (self.current(stored), false) }
        stored.message.rev = rev
        self.rooms[roomID]!.room.rev = rev
        self.rooms[roomID]!.room.lastActivityAt = max(self.rooms[roomID]!.room.lastActivityAt, date)
        self.messages[id] = stored
        return (self.current(stored), true)
    }

    /// The message with its reactions aggregated.
    func current(_ stored: InMemoryDatabase.StoredMessage) -> Message {
        var message = stored.message
        message.reactions = ReactionSummary.aggregate(stored.reactions)
        return message
    }

    func roomWithCount(_ stored: InMemoryDatabase.StoredRoom) -> Room {
        var room = stored.room
        room.memberCount = stored.members.count
        return room
    }
}
