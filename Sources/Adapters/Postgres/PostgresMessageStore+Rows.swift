internal import Application
internal import Domain
internal import Foundation

/// Reading and writing the columns of `messages`.
extension PostgresMessageStore {
    /// The columns `decodeMessage` reads, in order, for a table aliased `m`.
    static let columns = """
        m.message_id, m.room_id, m.sequence_number, m.rev, m.sender_id, m.sender_display_name, m.message_type, \
        m.content, m.metadata, m.mentions, m.file, m.client_id, m.created_at, m.edited_at, m.deleted_at, m.deleted_by, \
        m.pinned_at, m.pinned_by, m.pin_rev
        """

    static func decodeMessage(_ row: PostgresRow) throws -> Message {
        let kindName = try row.decode(String.self, at: 6)
        guard let kind = MessageKind(rawValue: kindName) else { throw PostgresError(.decoding) }
        let deletedAt = try row.decode(Date?.self, at: 14)
        var content: MessageContent?
        if let text = try row.decode(String?.self, at: 7), deletedAt == nil {
            content = try Self.content(kind: kind, stored: text)
        }
        return Message(
            id: MessageID(uuid: try row.decode(UUID.self, at: 0)),
            roomID: RoomID(uuid: try row.decode(UUID.self, at: 1)),
            sequenceNumber: try row.decode(Int64.self, at: 2),
            rev: try row.decode(Int64.self, at: 3),
            senderID: UserID(rawValue: try row.decode(String.self, at: 4)),
            senderDisplayName: try row.decode(String.self, at: 5),
            kind: kind,
            content: content,
            metadata: try row.decode(JSONValue?.self, at: 8)?.objectValue,
            mentions: try row.decode([String].self, at: 9).map { UserID(rawValue: $0) },
            file: try row.decode(JSONValue?.self, at: 10).map { try Self.decodeFile($0) },
            clientID: try row.decode(String?.self, at: 11),
            createdAt: try row.decode(Date.self, at: 12),
            editedAt: try row.decode(Date?.self, at: 13),
            deletedAt: deletedAt,
            deletedBy: try row.decode(String?.self, at: 15).map { UserID(rawValue: $0) },
            pinnedAt: try row.decode(Date?.self, at: 16),
            pinnedBy: try row.decode(String?.self, at: 17).map { UserID(rawValue: $0) },
            pinRev: try row.decode(Int64?.self, at: 18))
    }

    static func content(kind: MessageKind, stored text: String) throws -> MessageContent {
        switch kind {
        case .incidentData:
            guard case .object(let readings) = try JSONParser(maximumDepth: 64).parse(text) else {
                throw PostgresError(.decoding)
            }
            return .readings(readings)
        case .text, .imageRef, .fileRef, .system:
            return .text(text)
        }
    }

    static func readings(_ content: MessageContent) -> JSONValue? {
        guard case .readings(let readings) = content else { return nil }
        return .object(readings)
    }

    // MARK: - The file snapshot

    static func encodeFile(_ file: StoredFile) -> JSONValue {
        var object: JSONObject = [
            "file_id": .string(file.id.description),
            "room_id": .string(file.roomID.description),
            "filename": .string(file.filename),
            "content_type": .string(file.contentType),
            "size": .number(Double(file.size)),
            "file_type": .string(file.fileType.rawValue),
            "object_key": .string(file.objectKey),
            "uploaded_by": .string(file.uploadedBy.rawValue),
            // Microseconds since 2000, like timestamptz: the same precision as every other stored time.
            "uploaded_at_us": .number(Double(PostgresTime.microseconds(since2000: file.uploadedAt))),
        ]
        if let deletedAt = file.deletedAt {
            object["deleted_at_us"] = .number(Double(PostgresTime.microseconds(since2000: deletedAt)))
        }
        return .object(object)
    }

    static func decodeFile(_ value: JSONValue) throws -> StoredFile {
        guard let id = value["file_id"]?.stringValue.flatMap(FileID.init),
            let roomID = value["room_id"]?.stringValue.flatMap(RoomID.init),
            let filename = value["filename"]?.stringValue,
            let contentType = value["content_type"]?.stringValue,
            let size = PostgresEventCodec.integer(value["size"]),
            let fileType = value["file_type"]?.stringValue.flatMap(FileType.init(rawValue:)),
            let objectKey = value["object_key"]?.stringValue,
            let uploadedBy = value["uploaded_by"]?.stringValue,
            let uploadedAt = Self.microseconds(value["uploaded_at_us"])
        else { throw PostgresError(.decoding) }
        var deletedAt: Int64?
        if value["deleted_at_us"]?.numberValue != nil {
            guard let microseconds = Self.microseconds(value["deleted_at_us"]) else { throw PostgresError(.decoding) }
            deletedAt = microseconds
        }
        return StoredFile(
            id: id, roomID: roomID, filename: filename, contentType: contentType, size: size,
            fileType: fileType, objectKey: objectKey, uploadedBy: UserID(rawValue: uploadedBy),
            uploadedAt: PostgresTime.date(microsecondsSince2000: uploadedAt),
            deletedAt: deletedAt.map { PostgresTime.date(microsecondsSince2000: $0) })
    }

    /// A JSON number is a Double: `Int64(_:)` of 1e300 or NaN traps, so a time is a whole number of microseconds
    /// within ±36 000 years of 2000 (far from Int64's edges, where `PostgresTime` would overflow) or nil.
    private static func microseconds(_ value: JSONValue?) -> Int64? {
        guard let microseconds = PostgresEventCodec.integer(value), abs(microseconds) < 1 << 60 else { return nil }
        return microseconds
    }

    // MARK: - Loading

    /// Messages with their reactions, in the order of the rows.
    static func loadMessages(_ result: PostgresResult, on connection: PostgresConnection) throws -> [Message] {
        var messages = try result.rows.map(Self.decodeMessage)
        try Self.attachReactions(to: &messages, on: connection)
        return messages
    }

    static func loadMessage(id: MessageID, on connection: PostgresConnection) throws -> Message? {
        try Self.loadMessages(
            connection.query(
                "SELECT \(Self.columns) FROM messages m WHERE m.message_id = $1", [.uuid(id.uuid)]),
            on: connection
        ).first
    }

    static func attachReactions(to messages: inout [Message], on connection: PostgresConnection) throws {
        guard !messages.isEmpty else { return }
        let rows = try connection.query(
            """
            SELECT message_id, user_id, emoji FROM message_reactions
            WHERE message_id = ANY($1) ORDER BY reaction_id
            """,
            [.array(oid: PostgresOID.uuidArray, messages.map { $0.id.description })]
        ).rows
        guard !rows.isEmpty else { return }
        var byMessage: [UUID: [(userID: UserID, emoji: String)]] = [:]
        for row in rows {
            byMessage[try row.decode(UUID.self, at: 0), default: []].append(
                (UserID(rawValue: try row.decode(String.self, at: 1)), try row.decode(String.self, at: 2)))
        }
        for index in messages.indices {
            if let reactions = byMessage[messages[index].id.uuid] {
                messages[index].reactions = ReactionSummary.aggregate(reactions)
            }
        }
    }
}
