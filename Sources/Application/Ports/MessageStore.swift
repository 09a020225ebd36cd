package import Domain
package import Foundation

/// A room's timeline: numbering, history, changes, reactions and search.
///
/// Every stored change raises the room's `rev` and stamps the changed message with it, in the same transaction, so
/// a reconnecting client can ask for exactly what changed since the revision it last saw.
package protocol MessageStore: Sendable {
    /// Stores the messages, numbering each room's messages consecutively in the order given, in one transaction
    /// (group commit). A message whose (sender, room, client id) was stored before is not stored again: its result
    /// is `.duplicate` with the first message. Throws without storing any when the commit fails.
    func append(_ messages: [NewMessage]) async throws -> [AppendResult]
    func message(id: MessageID) async throws -> Message?
    /// A page of a room's messages (see `HistoryQuery`).
    func history(of roomID: RoomID, _ query: HistoryQuery) async throws -> HistoryPage
    /// The current state of messages numbered at most `throughSequence` whose `rev` is above `afterRev`, in the
    /// order of their last change, at most `limit` of them (catch-up after a reconnect).
    func changes(in roomID: RoomID, afterRev: Int64, throughSequence: Int64, limit: Int) async throws -> [Message]
    /// Replaces the content, records the previous one in the edit history, raises `rev`.
    /// Throws `DomainError.notFound` for an unknown or deleted message.
    func edit(_ id: MessageID, content: MessageContent, mentions: [UserID], by editor: UserID, at: Date) async throws
        -> Message
    func editHistory(of id: MessageID) async throws -> [EditRecord]
    /// Soft-deletes: content gone, place kept, `rev` raised. Throws `DomainError.notFound` when unknown or deleted.
    func delete(_ id: MessageID, by actor: UserID, at: Date) async throws -> Message
    /// Adds or removes one (message, user, emoji) reaction. `changed` is false when there was nothing to do, in
    /// which case `rev` is not raised. Throws `DomainError.notFound` for an unknown or deleted message.
    func react(_ id: MessageID, user: UserID, emoji: Emoji, action: ReactionAction, at: Date) async throws
        -> (message: Message, changed: Bool)
    /// Case-insensitive substring search of searchable, undeleted messages, newest first.
    func search(in roomID: RoomID, text: String, limit: Int, offset: Int) async throws -> (
        messages: [Message], total: Int
    )
    /// incident_data messages of a room carrying the reading `name`, optionally within a numeric range, oldest first.
    func readings(in roomID: RoomID, named name: String, atLeast minimum: Double?, atMost maximum: Double?, limit: Int)
        async throws -> [Message]
}

package enum AppendResult: Hashable, Sendable {
    case stored(Message)
    /// The client id was used before by the same sender in the same room; nothing new was stored.
    case duplicate(Message)

    package var message: Message {
        switch self {
        case .stored(let message), .duplicate(let message): message
        }
    }
}

/// Which page of a room's history to read.
package struct HistoryQuery: Hashable, Sendable {
    package enum Direction: Hashable, Sendable {
        /// Newest first, strictly before a sequence number or a time when given.
        case newestFirst(beforeSequence: Int64?, beforeTime: Date?)
        /// Oldest first, strictly after a sequence number (catch-up).
        case oldestFirst(afterSequence: Int64)
    }

    package var direction: Direction
    package var limit: Int
    package var kind: MessageKind?

    package init(direction: Direction, limit: Int, kind: MessageKind? = nil) {
        self.direction = direction
        self.limit = limit
        self.kind = kind
    }
}

package struct HistoryPage: Hashable, Sendable {
    package var messages: [Message]
    /// Whether more messages lie beyond this page in its direction.
    package var hasMore: Bool

    package init(messages: [Message], hasMore: Bool) {
        self.messages = messages
        self.hasMore = hasMore
    }
}
