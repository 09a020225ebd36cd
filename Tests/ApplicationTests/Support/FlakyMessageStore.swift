import Application
import Domain
import Foundation
import Synchronization

/// A `MessageStore` that forwards to another, fails the next appends on request (a lost database connection),
/// and records the size of every append so a test can see how messages were grouped into commits.
final class FlakyMessageStore: MessageStore {
    let inner: any MessageStore

    private struct State {
        var failures = 0
        /// Appends that store, then throw as if the answer to COMMIT was lost.
        var lostAnswers = 0
        var lookupFailures = 0
        /// A text that no store can take (an append containing it fails, as a value PostgreSQL refuses would).
        var poison: String?
        var batches: [Int] = []
    }

    private let state = Mutex(State())

    init(_ inner: any MessageStore) {
        self.inner = inner
    }

    /// The next `count` appends throw `unavailable` without storing anything.
    func failNextAppends(_ count: Int) {
        self.state.withLock { $0.failures = count }
    }

    /// The next `count` appends store their messages and then throw `unavailable` (the connection was lost after
    /// COMMIT was sent): the caller cannot tell whether anything was stored.
    func loseAnswersOfNextAppends(_ count: Int) {
        self.state.withLock { $0.lostAnswers = count }
    }

    /// The next `count` lookups by id throw `unavailable`.
    func failNextLookups(_ count: Int) {
        self.state.withLock { $0.lookupFailures = count }
    }

    /// Any append containing a message with this text fails with `validationFailed`, storing nothing.
    func refuse(text: String) {
        self.state.withLock { $0.poison = text }
    }

    var batches: [Int] { self.state.withLock { $0.batches } }

    func append(_ messages: [NewMessage]) async throws -> [AppendResult] {
        enum Outcome { case fail, store, storeThenLose, refuse }
        let outcome = self.state.withLock { state -> Outcome in
            state.batches.append(messages.count)
            if let poison = state.poison, messages.contains(where: { $0.content.text == poison }) { return .refuse }
            if state.failures > 0 {
                state.failures -= 1
                return .fail
            }
            if state.lostAnswers > 0 {
                state.lostAnswers -= 1
                return .storeThenLose
            }
            return .store
        }
        switch outcome {
        case .fail: throw DomainError.unavailable
        case .refuse: throw DomainError.validationFailed(field: "content", reason: "cannot be stored")
        case .store: return try await self.inner.append(messages)
        case .storeThenLose:
            _ = try await self.inner.append(messages)
            throw DomainError.unavailable
        }
    }

    func message(id: MessageID) async throws -> Message? {
        let fails = self.state.withLock { state -> Bool in
            guard state.lookupFailures > 0 else { return false }
            state.lookupFailures -= 1
            return true
        }
        if fails { throw DomainError.unavailable }
        return try await self.inner.message(id: id)
    }

    func history(of roomID: RoomID, _ query: HistoryQuery) async throws -> HistoryPage {
        try await self.inner.history(of: roomID, query)
    }

    func changes(in roomID: RoomID, afterRev: Int64, throughSequence: Int64, limit: Int) async throws
        -> [Message]
    {
        try await self.inner.changes(in: roomID, afterRev: afterRev, throughSequence: throughSequence, limit: limit)
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
}
