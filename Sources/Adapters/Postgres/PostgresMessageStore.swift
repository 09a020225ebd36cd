package import Application
package import Domain
package import Foundation

/// `MessageStore` on PostgreSQL: numbering, history, edits, deletions, reactions, search and readings.
///
/// Every change locks the room row first (then the message), the same order as `append`, so writers never deadlock,
/// and raises the room's `rev` in the same transaction.
package struct PostgresMessageStore: MessageStore {
    let pool: PostgresPool

    package init(pool: PostgresPool) {
        self.pool = pool
    }

    package func append(_ messages: [NewMessage]) async throws -> [AppendResult] {
        guard !messages.isEmpty else { return [] }
        // `read` lends a bare connection: `append` begins and commits its own transaction, in its pipelines.
        return try await self.pool.read { connection in
            try Self.append(messages, on: connection, ownTransaction: true)
        }
    }

    package func message(id: MessageID) async throws -> Message? {
        try await self.pool.read { connection in try Self.loadMessage(id: id, on: connection) }
    }

    package func history(of roomID: RoomID, _ query: HistoryQuery) async throws -> HistoryPage {
        let limit = max(0, query.limit)
        return try await self.pool.read { connection in
            var conditions = ["m.room_id = $1"]
            var binds: [PostgresBind] = [.uuid(roomID.uuid)]
            // Mentions of one user are read from their index table, in its order (room, number), not by scanning
            // the room's messages for them.
            var source = "messages m"
            var sequence = "m.sequence_number"
            if let mentioned = query.mentioning {
                binds.append(.text(mentioned.rawValue))
                source = "message_mentions mm JOIN messages m ON m.message_id = mm.message_id"
                sequence = "mm.sequence_number"
                conditions += ["mm.user_id = $\(binds.count)", "mm.room_id = $1"]
            }
            let order: String
            switch query.direction {
            case .newestFirst(let beforeSequence, let beforeTime):
                if let beforeSequence {
                    binds.append(.int(beforeSequence))
                    conditions.append("\(sequence) < $\(binds.count)")
                }
                if let beforeTime {
                    binds.append(.date(beforeTime))
                    conditions.append("m.created_at < $\(binds.count)")
                }
                order = "\(sequence) DESC"
            case .oldestFirst(let afterSequence):
                binds.append(.int(afterSequence))
                conditions.append("\(sequence) > $\(binds.count)")
                order = "\(sequence) ASC"
            }
            if let kind = query.kind {
                binds.append(.text(kind.rawValue))
                conditions.append("m.message_type = $\(binds.count)")
            }
            binds.append(.int(limit + 1))
            let result = try connection.query(
                """
                SELECT \(Self.columns) FROM \(source) WHERE \(conditions.joined(separator: " AND "))
                ORDER BY \(order) LIMIT $\(binds.count)
                """, binds)
            var messages = try result.rows.map(Self.decodeMessage)
            let hasMore = messages.count > limit
            if hasMore { messages.removeLast(messages.count - limit) }
            try Self.attachReactions(to: &messages, on: connection)
            return HistoryPage(messages: messages, hasMore: hasMore)
        }
    }

    package func changes(in roomID: RoomID, afterRev: Int64, throughSequence: Int64, limit: Int) async throws
        -> [Message]
    {
        try await self.pool.read { connection in
            try Self.loadMessages(
                connection.query(
                    """
                    SELECT \(Self.columns) FROM messages m
                    WHERE m.room_id = $1 AND m.rev > $2 AND m.sequence_number <= $3 ORDER BY m.rev LIMIT $4
                    """, [.uuid(roomID.uuid), .int(afterRev), .int(throughSequence), .int(limit)]),
                on: connection)
        }
    }

    // MARK: - Changes

    package func edit(_ id: MessageID, content: MessageContent, mentions: [UserID], by editor: UserID, at: Date)
        async throws -> Message
    {
        try await self.pool.write { connection in
            let (previous, rev) = try Self.lockForChange(id, at: at, on: connection)
            try connection.query(
                """
                INSERT INTO message_edit_history (message_id, original_content, edited_by, edited_at)
                VALUES ($1, $2, $3, $4)
                """, [.uuid(id.uuid), .text(previous), .text(editor.rawValue), .date(at)])
            try connection.query(
                """
                UPDATE messages SET content = $2, readings = $3, mentions = $4, edited_at = $5, rev = $6,
                    search_bigrams = $7
                WHERE message_id = $1
                """,
                [
                    .uuid(id.uuid), .text(content.writtenText), .jsonb(Self.readings(content)),
                    .textArray(mentions.map(\.rawValue)), .date(at), .int(rev),
                    .textArray(PostgresSearchBigrams.keys(of: content)),
                ])
            guard let message = try Self.loadMessage(id: id, on: connection) else {
                throw DomainError.notFound("Message")
            }
            return message
        }
    }

    package func editHistory(of id: MessageID) async throws -> [EditRecord] {
        try await self.pool.read { connection in
            try connection.query(
                """
                SELECT original_content, edited_by, edited_at FROM message_edit_history
                WHERE message_id = $1 ORDER BY edit_id
                """, [.uuid(id.uuid)]
            ).rows.map { row in
                EditRecord(
                    messageID: id, originalContent: try row.decode(String.self, at: 0),
                    editedBy: UserID(rawValue: try row.decode(String.self, at: 1)),
                    editedAt: try row.decode(Date.self, at: 2))
            }
        }
    }

    package func delete(_ id: MessageID, by actor: UserID, at: Date) async throws -> Message {
        try await self.pool.write { connection in
            let (_, rev) = try Self.lockForChange(id, at: at, on: connection)
            try connection.query(
                """
                UPDATE messages SET content = NULL, readings = NULL, search_bigrams = NULL, deleted_at = $2,
                    deleted_by = $3, rev = $4
                WHERE message_id = $1
                """, [.uuid(id.uuid), .date(at), .text(actor.rawValue), .int(rev)])
            guard let message = try Self.loadMessage(id: id, on: connection) else {
                throw DomainError.notFound("Message")
            }
            return message
        }
    }

    package func react(_ id: MessageID, user: UserID, emoji: Emoji, action: ReactionAction, at: Date) async throws
        -> (message: Message, changed: Bool)
    {
        try await self.pool.write { connection in
            let roomID = try Self.lockRoom(of: id, on: connection)
            let changed: Bool
            switch action {
            case .added:
                changed =
                    try connection.query(
                        """
                        INSERT INTO message_reactions (message_id, user_id, emoji, created_at) VALUES ($1, $2, $3, $4)
                        ON CONFLICT (message_id, user_id, emoji) DO NOTHING
                        """, [.uuid(id.uuid), .text(user.rawValue), .text(emoji.value), .date(at)]
                    ).affectedRows > 0
            case .removed:
                changed =
                    try connection.query(
                        "DELETE FROM message_reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3",
                        [.uuid(id.uuid), .text(user.rawValue), .text(emoji.value)]
                    ).affectedRows > 0
            }
            if changed {
                try connection.query(
                    """
                    WITH room AS (
                        UPDATE incident_rooms SET rev = rev + 1, last_activity_at = GREATEST(last_activity_at, $3)
                        WHERE room_id = $2 RETURNING rev
                    )
                    UPDATE messages SET rev = (SELECT rev FROM room) WHERE message_id = $1
                    """, [.uuid(id.uuid), .uuid(roomID.uuid), .date(at)])
            }
            guard let message = try Self.loadMessage(id: id, on: connection) else {
                throw DomainError.notFound("Message")
            }
            return (message, changed)
        }
    }

    /// Locks the message's room, checks the message is there and not deleted, and returns its room.
    static func lockRoom(of id: MessageID, on connection: PostgresConnection) throws -> RoomID {
        guard
            let roomID = try connection.query("SELECT room_id FROM messages WHERE message_id = $1", [.uuid(id.uuid)])
                .first.map({ RoomID(uuid: try $0.decode(UUID.self, at: 0)) })
        else { throw DomainError.notFound("Message") }
        try connection.query(
            "SELECT 1 FROM incident_rooms WHERE room_id = $1 FOR NO KEY UPDATE", [.uuid(roomID.uuid)])
        // Read again under the lock: a deletion committed meanwhile is visible now (READ COMMITTED).
        guard
            try connection.query(
                "SELECT 1 FROM messages WHERE message_id = $1 AND deleted_at IS NULL", [.uuid(id.uuid)]
            ).rowCount == 1
        else { throw DomainError.notFound("Message") }
        return roomID
    }

    /// Locks the room, raises its `rev` (and its last activity to `at`), and returns the message's current stored
    /// content and the new `rev`.
    private static func lockForChange(_ id: MessageID, at: Date, on connection: PostgresConnection) throws
        -> (String, Int64)
    {
        let roomID = try Self.lockRoom(of: id, on: connection)
        guard
            let rev = try connection.query(
                """
                UPDATE incident_rooms SET rev = rev + 1, last_activity_at = GREATEST(last_activity_at, $2)
                WHERE room_id = $1 RETURNING rev
                """, [.uuid(roomID.uuid), .date(at)]
            ).first.map({ try $0.decode(Int64.self, at: 0) }),
            let previous = try connection.query(
                "SELECT content FROM messages WHERE message_id = $1", [.uuid(id.uuid)]
            ).first.map({ try $0.decode(String?.self, at: 0) })
        else { throw DomainError.notFound("Message") }
        return (previous ?? "", rev)
    }

    // MARK: - Finding

    /// How many messages match `filter` (over `binds`) and one page of them in `order`: what both searches answer.
    static func countedPage(
        where filter: String, _ binds: [PostgresBind], orderBy order: String, limit: Int, offset: Int,
        on connection: PostgresConnection
    ) throws -> (messages: [Message], total: Int) {
        let total =
            try connection.query("SELECT count(*) FROM messages m WHERE \(filter)", binds)
            .first.map { try $0.decode(Int.self, at: 0) } ?? 0
        guard total > offset, limit > 0 else { return ([], total) }
        let paged = binds + [.int(limit), .int(max(0, offset))]
        let messages = try Self.loadMessages(
            connection.query(
                """
                SELECT \(Self.columns) FROM messages m WHERE \(filter)
                ORDER BY \(order) LIMIT $\(paged.count - 1) OFFSET $\(paged.count)
                """, paged),
            on: connection)
        return (messages, total)
    }

    package func search(in roomID: RoomID, text: String, limit: Int, offset: Int) async throws
        -> (messages: [Message], total: Int)
    {
        // A substring match: the pattern's own wildcards are escaped. The conditions repeat the partial indexes'
        // predicate so PostgreSQL can use them: trigrams for 3+ characters, bigrams for two non-ASCII characters.
        let pattern = "%" + Self.escapeLike(text) + "%"
        let bigrams = PostgresSearchBigrams.isIndexable(query: text) ? PostgresSearchBigrams.keys(of: text) : []
        return try await self.pool.read { connection in
            var filter = """
                m.room_id = $1 AND m.deleted_at IS NULL AND m.message_type <> 'incident_data' AND m.content ILIKE $2
                """
            var binds: [PostgresBind] = [.uuid(roomID.uuid), .text(pattern)]
            if !bigrams.isEmpty {
                binds.append(.textArray(bigrams))
                filter += " AND m.search_bigrams @> $3"
            }
            return try Self.countedPage(
                where: filter, binds, orderBy: "m.sequence_number DESC", limit: limit, offset: offset, on: connection)
        }
    }

    package func readings(
        in roomID: RoomID, named name: String, atLeast minimum: Double?, atMost maximum: Double?, limit: Int
    ) async throws -> [Message] {
        try await self.pool.read { connection in
            // CASE guards the cast: only numeric readings are compared (a string reading never raises an error).
            let value = "CASE WHEN jsonb_typeof(m.readings -> $2) = 'number' THEN (m.readings ->> $2)::float8 END"
            var conditions = [
                "m.room_id = $1", "m.message_type = 'incident_data'", "m.deleted_at IS NULL", "m.readings ? $2",
            ]
            var binds: [PostgresBind] = [.uuid(roomID.uuid), .text(name)]
            if let minimum {
                binds.append(.double(minimum))
                conditions.append("\(value) >= $\(binds.count)")
            }
            if let maximum {
                binds.append(.double(maximum))
                conditions.append("\(value) <= $\(binds.count)")
            }
            binds.append(.int(max(0, limit)))
            return try Self.loadMessages(
                connection.query(
                    """
                    SELECT \(Self.columns) FROM messages m WHERE \(conditions.joined(separator: " AND "))
                    ORDER BY m.sequence_number LIMIT $\(binds.count)
                    """, binds),
                on: connection)
        }
    }

    static func escapeLike(_ text: String) -> String {
        var output = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { output.append("\\") }
            output.append(character)
        }
        return output
    }
}
