package import Application
package import Domain
package import Foundation

/// Pins, mentions and the search across rooms (API.md revision 2).
extension PostgresMessageStore {
    package func setPinned(_ id: MessageID, _ pinned: Bool, by user: UserID, at: Date) async throws
        -> (message: Message, changed: Bool)
    {
        try await self.pool.write { connection in
            // The room first, then the message: the lock order of every change (no deadlocks with appends).
            let roomID = try Self.lockRoom(of: id, on: connection)
            let isPinned =
                try connection.query(
                    "SELECT pinned_at IS NOT NULL FROM messages WHERE message_id = $1", [.uuid(id.uuid)]
                )
                .first.map { try $0.decode(Bool.self, at: 0) } ?? false
            if isPinned != pinned {
                try connection.query(
                    """
                    WITH room AS (
                        UPDATE incident_rooms SET rev = rev + 1, last_activity_at = GREATEST(last_activity_at, $3)
                        WHERE room_id = $2 RETURNING rev
                    )
                    UPDATE messages SET rev = (SELECT rev FROM room), pin_rev = (SELECT rev FROM room),
                        pinned_at = CASE WHEN $4 THEN $3::timestamptz END, pinned_by = CASE WHEN $4 THEN $5 END
                    WHERE message_id = $1
                    """, [.uuid(id.uuid), .uuid(roomID.uuid), .date(at), .bool(pinned), .text(user.rawValue)])
            }
            guard let message = try Self.loadMessage(id: id, on: connection) else {
                throw DomainError.notFound("Message")
            }
            return (message, isPinned != pinned)
        }
    }

    package func pins(in roomID: RoomID) async throws -> [Message] {
        try await self.pool.read { connection in
            try Self.loadMessages(
                connection.query(
                    """
                    SELECT \(Self.columns) FROM messages m
                    WHERE m.room_id = $1 AND m.pinned_at IS NOT NULL AND m.deleted_at IS NULL
                    ORDER BY m.sequence_number
                    """, [.uuid(roomID.uuid)]),
                on: connection)
        }
    }

    package func mentions(of user: UserID, after cursor: MentionCursor?, limit: Int) async throws -> HistoryPage {
        let limit = max(0, limit)
        return try await self.pool.read { connection in
            // Newest first along message_mentions_newest; each row is checked against the user's current rooms, so
            // a member who left a room no longer sees its mentions. The cursor is compared in microseconds, the
            // precision PostgreSQL keeps.
            var binds: [PostgresBind] = [.text(user.rawValue)]
            var after = ""
            if let cursor {
                binds += [.int(cursor.createdAtMicroseconds), .uuid(cursor.messageID.uuid)]
                after = """
                    AND (mm.created_at, mm.message_id)
                        < ('epoch'::timestamptz + $2::int8 * interval '1 microsecond', $3::uuid)
                    """
            }
            binds.append(.int(limit + 1))
            var messages = try Self.loadMessages(
                connection.query(
                    """
                    SELECT \(Self.columns) FROM message_mentions mm JOIN messages m ON m.message_id = mm.message_id
                    WHERE mm.user_id = $1 \(after)
                        AND EXISTS (SELECT 1 FROM room_members rm WHERE rm.room_id = mm.room_id AND rm.user_id = $1)
                    ORDER BY mm.created_at DESC, mm.message_id DESC LIMIT $\(binds.count)
                    """, binds),
                on: connection)
            let hasMore = messages.count > limit
            if hasMore { messages.removeLast(messages.count - limit) }
            return HistoryPage(messages: messages, hasMore: hasMore)
        }
    }

    package func search(text: String, inRoomsOf member: UserID?, limit: Int, offset: Int) async throws
        -> (messages: [Message], total: Int)
    {
        // The room search's conditions (and so its indexes), without the room, and the caller's rooms instead.
        let pattern = "%" + Self.escapeLike(text) + "%"
        let bigrams = PostgresSearchBigrams.isIndexable(query: text) ? PostgresSearchBigrams.keys(of: text) : []
        return try await self.pool.read { connection in
            var filter = "m.deleted_at IS NULL AND m.message_type <> 'incident_data' AND m.content ILIKE $1"
            var binds: [PostgresBind] = [.text(pattern)]
            if !bigrams.isEmpty {
                binds.append(.textArray(bigrams))
                filter += " AND m.search_bigrams @> $\(binds.count)"
            }
            if let member {
                binds.append(.text(member.rawValue))
                filter += " AND m.room_id IN (SELECT room_id FROM room_members WHERE user_id = $\(binds.count))"
            }
            return try Self.countedPage(
                where: filter, binds, orderBy: "m.created_at DESC, m.message_id DESC", limit: limit, offset: offset,
                on: connection)
        }
    }
}
