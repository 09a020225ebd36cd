package import Application
package import Domain
package import Foundation

/// `MessageStore` over an `InMemoryDatabase`.
package struct InMemoryMessageStore: MessageStore {
    let database: InMemoryDatabase

    package init(database: InMemoryDatabase) {
        self.database = database
    }

    package func append(_ messages: [NewMessage]) async throws -> [AppendResult] {
        try self.database.write { (state) throws(DomainError) -> [AppendResult] in
            // All or nothing, like one transaction: check every room before storing anything.
            for draft in messages where state.rooms[draft.roomID] == nil { throw .notFound("Room") }
            var results: [AppendResult] = []
            for draft in messages { results.append(try state.insert(draft)) }
            return results
        }
    }

    package func message(id: MessageID) async throws -> Message? {
        self.database.read { state in state.messages[id].map { state.current($0) } }
    }

    package func history(of roomID: RoomID, _ query: HistoryQuery) async throws -> HistoryPage {
        self.database.read { state in
            guard let room = state.rooms[roomID] else { return HistoryPage(messages: [], hasMore: false) }
            let all = room.sequence.lazy.compactMap { state.messages[$0] }.filter { stored in
                (query.kind == nil || stored.message.kind == query.kind)
                    && (query.mentioning.map { stored.message.mentions.contains($0) && !stored.message.isDeleted }
                        ?? true)
            }
            let selected: [InMemoryDatabase.StoredMessage]
            switch query.direction {
            case .newestFirst(let beforeSequence, let beforeTime):
                selected = all.reversed().filter { stored in
                    (beforeSequence.map { stored.message.sequenceNumber < $0 } ?? true)
                        && (beforeTime.map { stored.message.createdAt < $0 } ?? true)
                }
            case .oldestFirst(let afterSequence):
                selected = all.filter { $0.message.sequenceNumber > afterSequence }
            }
            let page = selected.prefix(query.limit).map { state.current($0) }
            return HistoryPage(messages: page, hasMore: selected.count > query.limit)
        }
    }

    package func changes(in roomID: RoomID, afterRev: Int64, throughSequence: Int64, limit: Int) async throws
        -> [Message]
    {
        self.database.read { state in
            guard let room = state.rooms[roomID] else { return [] }
            return room.sequence.compactMap { state.messages[$0] }
                .filter { $0.message.rev > afterRev && $0.message.sequenceNumber <= throughSequence }
                .sorted { $0.message.rev < $1.message.rev }
                .prefix(limit)
                .map { state.current($0) }
        }
    }

    package func edit(_ id: MessageID, content: MessageContent, mentions: [UserID], by editor: UserID, at date: Date)
        async throws -> Message
    {
        try self.database.write { (state) throws(DomainError) -> Message in
            try state.changeMessage(id, at: date) { stored, _ in
                let previous = stored.message.content?.writtenText ?? ""
                stored.edits.append(
                    EditRecord(messageID: id, originalContent: previous, editedBy: editor, editedAt: date))
                stored.message.content = content
                stored.message.mentions = mentions
                stored.message.editedAt = date
                return true
            }.message
        }
    }

    package func editHistory(of id: MessageID) async throws -> [EditRecord] {
        self.database.read { $0.messages[id]?.edits ?? [] }
    }

    package func delete(_ id: MessageID, by actor: UserID, at date: Date) async throws -> Message {
        try self.database.write { (state) throws(DomainError) -> Message in
            try state.changeMessage(id, at: date) { stored, _ in
                stored.message.content = nil
                stored.message.deletedAt = date
                stored.message.deletedBy = actor
                return true
            }.message
        }
    }

    package func react(_ id: MessageID, user: UserID, emoji: Emoji, action: ReactionAction, at date: Date)
        async throws -> (message: Message, changed: Bool)
    {
        try self.database.write { (state) throws(DomainError) -> (message: Message, changed: Bool) in
            try state.changeMessage(id, at: date) { stored, _ in
                let existing = stored.reactions.firstIndex { $0.userID == user && $0.emoji == emoji.value }
                switch (action, existing) {
                case (.added, .some), (.removed, .none):
                    return false
                case (.added, .none):
                    stored.reactions.append((user, emoji.value))
                case (.removed, .some(let index)):
                    stored.reactions.remove(at: index)
                }
                return true
            }
        }
    }

    package func search(in roomID: RoomID, text: String, limit: Int, offset: Int) async throws
        -> (messages: [Message], total: Int)
    {
        self.database.read { state in
            guard let room = state.rooms[roomID] else { return ([], 0) }
            let hits = room.sequence.reversed().compactMap { state.messages[$0] }.filter { stored in
                guard stored.message.kind.isSearchable, case .text(let body)? = stored.message.content else {
                    return false
                }
                return SearchHighlighter.matches(body, query: text)
            }
            return (hits.dropFirst(offset).prefix(limit).map { state.current($0) }, hits.count)
        }
    }

    package func readings(
        in roomID: RoomID, named name: String, atLeast minimum: Double?, atMost maximum: Double?, limit: Int
    ) async throws -> [Message] {
        self.database.read { state in
            guard let room = state.rooms[roomID] else { return [] }
            return room.sequence.compactMap { state.messages[$0] }.filter { stored in
                guard case .readings(let readings)? = stored.message.content, let value = readings[name] else {
                    return false
                }
                if minimum == nil && maximum == nil { return true }
                guard let number = value.numberValue else { return false }
                return (minimum.map { number >= $0 } ?? true) && (maximum.map { number <= $0 } ?? true)
            }
            .prefix(limit).map { state.current($0) }
        }
    }

    // MARK: - Revision 2

    package func setPinned(_ id: MessageID, _ pinned: Bool, by user: UserID, at date: Date) async throws
        -> (message: Message, changed: Bool)
    {
        try self.database.write { (state) throws(DomainError) -> (message: Message, changed: Bool) in
            try state.changeMessage(id, at: date) { stored, rev in
                guard stored.message.isPinned != pinned else { return false }
                stored.message.pinnedAt = pinned ? date : nil
                stored.message.pinnedBy = pinned ? user : nil
                stored.message.pinRev = rev
                return true
            }
        }
    }

    package func pins(in roomID: RoomID) async throws -> [Message] {
        self.database.read { state in
            guard let room = state.rooms[roomID] else { return [] }
            return room.sequence.compactMap { state.messages[$0] }
                .filter { $0.message.isPinned && !$0.message.isDeleted }
                .map { state.current($0) }
        }
    }

    package func mentions(of user: UserID, after cursor: MentionCursor?, limit: Int) async throws -> HistoryPage {
        self.database.read { state in
            let found = state.rooms.values.filter { $0.members[user] != nil }
                .flatMap { room in room.sequence.compactMap { state.messages[$0] } }
                .filter { stored in
                    stored.message.mentions.contains(user) && !stored.message.isDeleted
                        && (cursor.map { $0.precedes(stored.message) } ?? true)
                }
                .sorted { Self.isNewer($0.message, than: $1.message) }
            let page = found.prefix(max(0, limit)).map { state.current($0) }
            return HistoryPage(messages: page, hasMore: found.count > limit)
        }
    }

    package func search(text: String, inRoomsOf member: UserID?, limit: Int, offset: Int) async throws
        -> (messages: [Message], total: Int)
    {
        self.database.read { state in
            let hits = state.rooms.values.filter { room in member.map { room.members[$0] != nil } ?? true }
                .flatMap { room in room.sequence.compactMap { state.messages[$0] } }
                .filter { stored in
                    guard stored.message.kind.isSearchable, case .text(let body)? = stored.message.content else {
                        return false
                    }
                    return SearchHighlighter.matches(body, query: text)
                }
                .sorted { Self.isNewer($0.message, than: $1.message) }
            return (hits.dropFirst(max(0, offset)).prefix(max(0, limit)).map { state.current($0) }, hits.count)
        }
    }

    /// Newest first across rooms: by time (at the microseconds PostgreSQL keeps), then by id.
    private static func isNewer(_ a: Message, than b: Message) -> Bool {
        let (x, y) = (MentionCursor.microseconds(a.createdAt), MentionCursor.microseconds(b.createdAt))
        return x != y ? x > y : a.id > b.id
    }
}
