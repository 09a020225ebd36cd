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
        return .stored(message)
    }

    /// Raises the room's rev for a change to an existing message and returns the new rev.
    mutating func nextRev(in roomID: RoomID, at date: Date) -> Int64 {
        self.rooms[roomID]!.room.rev += 1
        self.rooms[roomID]!.room.lastActivityAt = max(self.rooms[roomID]!.room.lastActivityAt, date)
        return self.rooms[roomID]!.room.rev
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
