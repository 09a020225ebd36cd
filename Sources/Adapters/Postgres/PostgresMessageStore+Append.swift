internal import Application
internal import Domain
internal import Foundation

extension PostgresMessageStore {
    /// Numbers and inserts `messages`: the heart of `append` and of the room changes that post a system message.
    ///
    /// Locks the rooms' rows (in id order, so two batches never deadlock), then answers repeated client ids with the
    /// first message, numbers the rest consecutively after `last_seq`, inserts them with one INSERT (of arrays) per
    /// chunk and moves the counters. Holding the room lock until commit is what makes numbering gap-free across
    /// processes: the next writer reads `last_seq` only after this transaction committed or rolled back.
    ///
    /// The statements go in two pipelines (one round trip each): the lock and the client-id lookup, then the writes.
    /// With `ownTransaction` the BEGIN and the COMMIT travel with them (the group commit path, where every round
    /// trip is paid while the room is locked); without it they run in the caller's transaction.
    static func append(_ messages: [NewMessage], on connection: PostgresConnection, ownTransaction: Bool = false)
        throws -> [AppendResult]
    {
        guard !messages.isEmpty else { return [] }
        do {
            return try Self.numberAndInsert(messages, on: connection, ownTransaction: ownTransaction)
        } catch {
            if ownTransaction { try? connection.execute(script: "ROLLBACK") }
            throw error
        }
    }

    private static func numberAndInsert(
        _ messages: [NewMessage], on connection: PostgresConnection, ownTransaction: Bool
    )
        throws -> [AppendResult]
    {
        typealias Statement = PostgresConnection.Statement
        let roomIDs = Array(Set(messages.map(\.roomID))).sorted()
        let withClientID = messages.filter { $0.clientID != nil }
        var reads: [Statement] = ownTransaction ? [Statement("BEGIN")] : []
        reads.append(
            Statement(
                """
                SELECT room_id, last_seq, rev FROM incident_rooms WHERE room_id = ANY($1)
                ORDER BY room_id FOR NO KEY UPDATE
                """, [.array(oid: PostgresOID.uuidArray, roomIDs.map(\.description))]))
        // Client ids seen before, read after the lock (the pipeline runs in order) so a concurrent writer's commit is
        // visible. One probe of the unique index per key (LATERAL): with a join, a new room's stale statistics made
        // PostgreSQL hash the whole table instead. Planned per run, not prepared: a generic plan made while the table
        // was small scans all of it for as long as the plan lives (seen: 11 ms per batch at 30 000 rows).
        if !withClientID.isEmpty {
            reads.append(
                Statement(
                    """
                    SELECT \(Self.columns) FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k(room_id, sender_id, client_id)
                    CROSS JOIN LATERAL (
                        SELECT * FROM messages
                        WHERE room_id = k.room_id AND sender_id = k.sender_id AND client_id = k.client_id
                    ) AS m
                    """,
                    [
                        .array(oid: PostgresOID.uuidArray, withClientID.map { $0.roomID.description }),
                        .textArray(withClientID.map { $0.senderID.rawValue }),
                        .textArray(withClientID.map { $0.clientID }),
                    ], prepared: false))
        }
        var answers = try connection.pipeline(reads)[...]
        if ownTransaction { answers = answers.dropFirst() }

        var counters: [RoomID: (sequence: Int64, rev: Int64)] = [:]
        for row in answers.removeFirst().rows {
            counters[RoomID(uuid: try row.decode(UUID.self, at: 0))] = (
                try row.decode(Int64.self, at: 1), try row.decode(Int64.self, at: 2)
            )
        }
        guard counters.count == roomIDs.count else { throw DomainError.notFound("Room") }

        struct ClientKey: Hashable {
            var room: RoomID
            var sender: UserID
            var clientID: String
        }
        var known: [ClientKey: Message] = [:]
        if let found = answers.first {
            for message in try Self.loadMessages(found, on: connection) {
                guard let clientID = message.clientID else { continue }
                known[ClientKey(room: message.roomID, sender: message.senderID, clientID: clientID)] = message
            }
        }

        var results: [AppendResult] = []
        results.reserveCapacity(messages.count)
        var inserts: [Message] = []
        var lastActivity: [RoomID: Date] = [:]
        for new in messages {
            let key = new.clientID.map { ClientKey(room: new.roomID, sender: new.senderID, clientID: $0) }
            if let key, let first = known[key] {
                results.append(.duplicate(first))
                continue
            }
            guard let current = counters[new.roomID] else { throw DomainError.notFound("Room") }
            let next = (sequence: current.sequence + 1, rev: current.rev + 1)
            counters[new.roomID] = next
            lastActivity[new.roomID] = max(lastActivity[new.roomID] ?? new.createdAt, new.createdAt)
            let message = Message(
                id: new.id, roomID: new.roomID, sequenceNumber: next.sequence, rev: next.rev, senderID: new.senderID,
                senderDisplayName: new.senderDisplayName, kind: new.kind, content: new.content,
                metadata: new.metadata, mentions: new.mentions, file: new.file, clientID: new.clientID,
                createdAt: new.createdAt)
            if let key { known[key] = message }
            inserts.append(message)
            results.append(.stored(message))
        }

        var writes: [Statement] = []
        // Chunks keep one statement's arrays a reasonable size.
        var start = 0
        while start < inserts.count {
            let chunk = inserts[start..<min(start + 1_000, inserts.count)]
            writes.append(Self.insert(chunk))
            start += chunk.count
        }
        for (roomID, activity) in lastActivity {
            guard let counter = counters[roomID] else { continue }
            writes.append(
                Statement(
                    """
                    UPDATE incident_rooms SET last_seq = $2, rev = $3, last_activity_at = GREATEST(last_activity_at, $4)
                    WHERE room_id = $1
                    """,
                    [.uuid(roomID.uuid), .int(counter.sequence), .int(counter.rev), .date(activity)]))
        }
        // Sending moves each sender's read marker to their last message of the batch (MessageStore.append).
        var moves: [PostgresReadMarkers.Move] = []
        var moveIndex: [ClientKey: Int] = [:]
        for message in inserts {
            let key = ClientKey(room: message.roomID, sender: message.senderID, clientID: "")
            if let index = moveIndex[key] {
                moves[index].sequence = message.sequenceNumber
                moves[index].at = max(moves[index].at, message.createdAt)
            } else {
                moveIndex[key] = moves.count
                moves.append(
                    .init(
                        room: message.roomID, user: message.senderID, sequence: message.sequenceNumber,
                        at: message.createdAt))
            }
        }
        if !moves.isEmpty { writes.append(PostgresReadMarkers.advance(moves)) }
        if ownTransaction { writes.append(Statement("COMMIT")) }
        if !writes.isEmpty { try connection.pipeline(writes) }

        // Stored times come back at PostgreSQL's microsecond precision; answer with what a read would return.
        return results.map { result in
            switch result {
            case .stored(var message):
                message.createdAt = PostgresTime.date(
                    microsecondsSince2000: PostgresTime.microseconds(since2000: message.createdAt))
                if let file = message.file { message.file = try? Self.decodeFile(Self.encodeFile(file)) }
                return .stored(message)
            case .duplicate(let message):
                return .duplicate(message)
            }
        }
    }

    /// One row per array element: the statement's text and plan do not grow with the batch, and ids, numbers and
    /// times travel in binary. Columns that are arrays themselves travel as their array literals and are cast back.
    private static let insertStatement = """
        INSERT INTO messages (message_id, room_id, sequence_number, rev, sender_id, sender_display_name, message_type,
            content, readings, metadata, mentions, file, file_id, client_id, created_at, search_bigrams)
        SELECT message_id, room_id, sequence_number, rev, sender_id, sender_display_name, message_type, content,
            readings, metadata, mentions::text[], file, file_id, client_id, created_at, search_bigrams::text[]
        FROM unnest($1::uuid[], $2::uuid[], $3::int8[], $4::int8[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::jsonb[], $10::json[], $11::text[], $12::json[], $13::uuid[], $14::text[], $15::timestamptz[],
            $16::text[])
            AS r(message_id, room_id, sequence_number, rev, sender_id, sender_display_name, message_type, content,
                readings, metadata, mentions, file, file_id, client_id, created_at, search_bigrams)
        """

    private static func insert(_ messages: ArraySlice<Message>) -> PostgresConnection.Statement {
        func binary(_ oid: UInt32, _ bind: (Message) -> PostgresBind) -> PostgresBind {
            .binaryArray(of: oid, messages.map { bind($0).bytes })
        }
        func text(_ oid: UInt32, _ value: (Message) -> String?) -> PostgresBind {
            .array(oid: oid, messages.map(value))
        }
        return PostgresConnection.Statement(
            Self.insertStatement,
            [
                binary(PostgresOID.uuid) { .uuid($0.id.uuid) }, binary(PostgresOID.uuid) { .uuid($0.roomID.uuid) },
                binary(PostgresOID.int8) { .int($0.sequenceNumber) }, binary(PostgresOID.int8) { .int($0.rev) },
                text(PostgresOID.textArray) { $0.senderID.rawValue },
                text(PostgresOID.textArray) { $0.senderDisplayName },
                text(PostgresOID.textArray) { $0.kind.rawValue },
                text(PostgresOID.textArray) { $0.content?.writtenText },
                text(PostgresOID.jsonbArray) { $0.content.flatMap(Self.readings).map(JSONWriter.string) },
                text(PostgresOID.jsonArray) { $0.metadata.map { JSONWriter.string(.object($0)) } },
                text(PostgresOID.textArray) { PostgresArrayLiteral.encode($0.mentions.map(\.rawValue)) },
                text(PostgresOID.jsonArray) { $0.file.map { JSONWriter.string(Self.encodeFile($0)) } },
                binary(PostgresOID.uuid) { .uuid($0.file?.id.uuid) },
                text(PostgresOID.textArray) { $0.clientID },
                binary(PostgresOID.timestamptz) { .date($0.createdAt) },
                text(PostgresOID.textArray) {
                    PostgresSearchBigrams.keys(of: $0.content).map(PostgresArrayLiteral.encode)
                },
            ])
    }
}
