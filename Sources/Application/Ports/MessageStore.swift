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
    ///
    /// Sending a message moves the sender's read marker to it, in the same transaction and with the same effect as
    /// `RoomStore.advanceReadMarker` (their mention notifications up to it are marked read).
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

    // MARK: - Revision 2: pins, mentions, search across rooms

    /// Pins (`pinned` true) or unpins the message, raising `rev` and setting `pinRev` to it. `changed` is false when
    /// it already was in that state, in which case nothing is stored. Throws `DomainError.notFound` for an unknown
    /// or deleted message.
    func setPinned(_ id: MessageID, _ pinned: Bool, by user: UserID, at: Date) async throws
        -> (message: Message, changed: Bool)
    /// The room's pinned messages that are not deleted, in sequence order.
    func pins(in roomID: RoomID) async throws -> [Message]
    /// Messages that mention `user` and are not deleted, in every room `user` is a member of, newest first
    /// (`createdAt`, then id), strictly after `cursor` in that order when given; `hasMore` when more follow.
    func mentions(of user: UserID, after cursor: MentionCursor?, limit: Int) async throws -> HistoryPage
    /// `search(in:text:limit:offset:)` over every room `member` belongs to (every room for nil), newest first by
    /// `createdAt`, then id.
    func search(text: String, inRoomsOf member: UserID?, limit: Int, offset: Int) async throws -> (
        messages: [Message], total: Int
    )
}

/// Where a page of `mentions(of:after:limit:)` ended: the last message's time and id.
package struct MentionCursor: Hashable, Sendable {
    /// Microseconds since 1970: the precision PostgreSQL keeps, so a cursor compares the same in every store.
    package var createdAtMicroseconds: Int64
    package var messageID: MessageID

    package init(createdAtMicroseconds: Int64, messageID: MessageID) {
        self.createdAtMicroseconds = createdAtMicroseconds
        self.messageID = messageID
    }

    package init(after message: Message) {
        self.init(createdAtMicroseconds: Self.microseconds(message.createdAt), messageID: message.id)
    }

    package static func microseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1_000_000).rounded()
        return Int64(exactly: value) ?? (value < 0 ? Int64.min : Int64.max)
    }

    package var createdAt: Date { Date(timeIntervalSince1970: Double(self.createdAtMicroseconds) / 1_000_000) }

    /// Whether `message` comes after this cursor in newest-first order (it is older, or as old with a smaller id).
    package func precedes(_ message: Message) -> Bool {
        let time = Self.microseconds(message.createdAt)
        return time < self.createdAtMicroseconds
            || (time == self.createdAtMicroseconds && message.id < self.messageID)
    }

    /// The opaque text of the API's `next_before`: base64url of `<microseconds>.<message id>`.
    package var token: String {
        let raw = "\(self.createdAtMicroseconds).\(self.messageID)"
        return Data(raw.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Reads a `token`; nil for anything else.
    package init?(token: String) {
        guard !token.isEmpty, token.utf8.count <= 96, token.utf8.allSatisfy(Self.isTokenByte) else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let micros = Int64(parts[0]), let id = MessageID(String(parts[1])) else { return nil }
        self.init(createdAtMicroseconds: micros, messageID: id)
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "_"): true
        default: false
        }
    }
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
    /// Only messages that mention this user and are not deleted.
    package var mentioning: UserID?

    package init(direction: Direction, limit: Int, kind: MessageKind? = nil, mentioning: UserID? = nil) {
        self.direction = direction
        self.limit = limit
        self.kind = kind
        self.mentioning = mentioning
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
