import Application
import Domain
import Foundation
import Synchronization

/// A `MessageStore` that forwards to another, fails the next appends on request (a lost database connection),
/// and records the size of every append so a test can see how messages were grouped into commits.
final class FlakyMessageStore: MessageStore {
    let inner: any MessageStore
    private let state = Mutex<(failures: Int, batches: [Int])>((0, []))

    init(_ inner: any MessageStore) {
        self.inner = inner
    }

    /// The next `count` appends throw `unavailable` without storing anything.
    func failNextAppends(_ count: Int) {
        self.state.withLock { $0.failures = count }
    }

    var batches: [Int] { self.state.withLock { $0.batches } }

    func append(_ messages: [NewMessage]) async throws -> [AppendResult] {
        let fails = self.state.withLock { state in
            state.batches.append(messages.count)
            guard state.failures > 0 else { return false }
            state.failures -= 1
            return true
        }
        if fails { throw DomainError.unavailable }
        return try await self.inner.append(messages)
    }

    func message(id: MessageID) async throws -> Message? { try await self.inner.message(id: id) }

    func history(of roomID: RoomID, _ query: HistoryQuery) async throws -> HistoryPage {
        try await self.inner.history(of: roomID, query)
    }

    func changes(in roomID: RoomID, afterRev: Int64, throughSequence: Int64) async throws -> [Message] {
        try await self.inner.changes(in: roomID, afterRev: afterRev, throughSequence: throughSequence)
    }

    func edit(_ id: MessageID, content: MessageContent, mentions: [UserID], by editor: UserID, at: Date) async throws
        -> Message
    {
        try await self.inner.edit(id, content: content, mentions: mentions, by: editor, at: at)
    }

    func editHistory(of id: MessageID) async throws -> [EditRecord] { try await self.inner.editHistory(of: id) }

    func delete(_ id: MessageID, by actor: UserID, at: Date) async throws -> Message {
        try await self.inner.delete(id, by: actor, at: at)
    }

    func react(_ id: MessageID, user: UserID, emoji: Emoji, action: ReactionAction, at: Date) async throws
        -> (message: Message, changed: Bool)
    {
        try await self.inner.react(id, user: user, emoji: emoji, action: action, at: at)
    }

    func search(in roomID: RoomID, text: String, limit: Int, offset: Int) async throws
        -> (messages: [Message], total: Int)
    {
        try await self.inner.search(in: roomID, text: text, limit: limit, offset: offset)
    }

    func readings(in roomID: RoomID, named name: String, atLeast minimum: Double?, atMost maximum: Double?, limit: Int)
        async throws -> [Message]
    {
        try await self.inner.readings(in: roomID, named: name, atLeast: minimum, atMost: maximum, limit: limit)
    }

    func setPinned(_ id: MessageID, _ pinned: Bool, by user: UserID, at: Date) async throws
        -> (message: Message, changed: Bool)
    {
        try await self.inner.setPinned(id, pinned, by: user, at: at)
    }

    func pins(in roomID: RoomID) async throws -> [Message] { try await self.inner.pins(in: roomID) }

    func mentions(of user: UserID, after cursor: MentionCursor?, limit: Int) async throws -> HistoryPage {
        try await self.inner.mentions(of: user, after: cursor, limit: limit)
    }

    func search(text: String, inRoomsOf member: UserID?, limit: Int, offset: Int) async throws
        -> (messages: [Message], total: Int)
    {
        try await self.inner.search(text: text, inRoomsOf: member, limit: limit, offset: offset)
    }
}
