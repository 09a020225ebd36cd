package import Domain
import Foundation

/// Posts a message to a room: the rules of who may send what, how much and how often, in one place.
package struct SendMessage: Sendable {
    /// What a client sends (the WebSocket `message` event, or the REST body).
    package struct Request: Hashable, Sendable {
        package var kind: MessageKind
        /// A string, or for incident_data an object of readings.
        package var content: JSONValue
        package var metadata: JSONObject?
        package var mentions: [UserID]?
        package var fileID: FileID?
        package var clientID: String?

        package init(
            kind: MessageKind = .text, content: JSONValue, metadata: JSONObject? = nil, mentions: [UserID]? = nil,
            fileID: FileID? = nil, clientID: String? = nil
        ) {
            self.kind = kind
            self.content = content
            self.metadata = metadata
            self.mentions = mentions
            self.fileID = fileID
            self.clientID = clientID
        }
    }

    /// Metadata is for clients' own annotations; it is kept small so it cannot dwarf the message.
    package static let maximumMetadataBytes = 16_384
    package static let maximumClientIDLength = 128

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// A message that passed every rule and waits to be committed.
    package struct Prepared: Sendable {
        package var draft: NewMessage
        let room: Room
        let principal: Principal
    }

    /// `.stored` for a new message, `.duplicate` with the first one for a repeated client id.
    package func callAsFunction(_ request: Request, to roomID: RoomID, by principal: Principal) async throws
        -> AppendResult
    {
        let prepared = try await self.prepare(request, to: roomID, by: principal)
        return try await withCheckedThrowingContinuation { continuation in
            self.submit(prepared) { continuation.resume(with: $0) }
        }
    }

    /// Checks the message against every rule (access, role, archive, rate, content, file, mentions) and numbers
    /// nothing yet. A connection prepares its messages one at a time, in order, then commits them without waiting;
    /// it passes its `memo` so that the access is not read again for every message.
    package func prepare(_ request: Request, to roomID: RoomID, by principal: Principal, memo: RoomAccessMemo? = nil)
        async throws -> Prepared
    {
        let now = self.deps.clock.now()
        let access: RoomAccess
        if let known = memo?.access(at: now), known.room.id == roomID {
            access = known
        } else {
            let generation = memo?.generation() ?? 0
            access = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
            memo?.remember(access, at: now, generation: generation)
        }
        try access.require(.send)
        try access.requireWritable()
        try self.deps.limits.takeAction(for: principal.userID, at: now)

        guard request.kind.isClientSendable else {
            throw DomainError.validationFailed(
                field: "message_type", reason: "system messages are written by the service")
        }
        let content = try Self.content(of: request)
        if let metadata = request.metadata {
            guard JSONWriter.encode(.object(metadata)).count <= Self.maximumMetadataBytes else {
                throw DomainError.validationFailed(
                    field: "metadata", reason: "must be at most \(Self.maximumMetadataBytes) bytes")
            }
        }
        if let clientID = request.clientID {
            // Bytes, not characters: one character of combining marks can be kilobytes.
            guard !clientID.isEmpty, clientID.utf8.count <= Self.maximumClientIDLength,
                !clientID.unicodeScalars.contains(where: ContentRules.isRefused)
            else {
                throw DomainError.validationFailed(
                    field: "client_id", reason: "must be 1 to \(Self.maximumClientIDLength) bytes of UTF-8")
            }
        }
        let file = try await self.file(for: request, in: roomID)
        // The member list is read only when there can be mentions (most messages have none: this is the hot path);
        // names matter only to `@name` mentions, ids are enough to filter explicit ones.
        let typesMentions = content.text?.utf8.contains(UInt8(ascii: "@")) == true
        let members: [Member]
        if typesMentions {
            members = try await self.deps.membersWithCurrentNames(of: roomID)
        } else if let explicit = request.mentions, !explicit.isEmpty {
            members = try await self.deps.rooms.members(of: roomID)
        } else {
            members = []
        }
        let mentions = Self.mentions(in: content, explicit: request.mentions, members: members)
        guard mentions.count <= self.deps.limits.maximumMentions else {
            throw DomainError.validationFailed(
                field: "mentions", reason: "may name at most \(self.deps.limits.maximumMentions) people")
        }
        if request.kind == .text, let text = content.text {
            try self.deps.limits.repeats.record(
                text, clientID: request.clientID, by: principal.userID, in: roomID, at: now)
        }

        let draft = NewMessage(
            id: MessageID(uuid: self.deps.ids.next()), roomID: roomID, senderID: principal.userID,
            senderDisplayName: principal.displayName, kind: request.kind, content: content, metadata: request.metadata,
            mentions: mentions, file: file, clientID: request.clientID, createdAt: now)
        return Prepared(draft: draft, room: access.room, principal: principal)
    }

    /// Commits a prepared message behind the room's earlier changes and returns at once; `done` hears the result
    /// after the commit and the broadcast. Mentioned members are notified once it is stored. `executor` (a
    /// connection's event loop) runs the room's commits when they were idle.
    package func submit(
        _ prepared: Prepared, on executor: (any TaskExecutor)? = nil,
        done: @escaping @Sendable (Result<AppendResult, any Error>) -> Void
    ) {
        self.deps.committer.enqueue(prepared.draft, on: executor) { result in
            guard case .success(.stored(let message)) = result, !message.mentions.isEmpty else {
                done(result)
                return
            }
            // Rare (a message with mentions): the notifications are stored before the sender hears of success. The
            // message is committed either way, so a failed notification does not turn its ack into an error.
            Task {
                try? await self.notifyMentioned(in: message, room: prepared.room, by: prepared.principal)
                done(result)
            }
        }
    }

    private static func content(of request: Request) throws(DomainError) -> MessageContent {
        switch (request.kind, request.content) {
        case (.incidentData, .object(let readings)):
            try ContentRules.validate(readings: readings)
            return .readings(readings)
        case (.incidentData, _):
            throw .validationFailed(field: "content", reason: "must be an object of readings for incident_data")
        case (.text, .string(let text)), (.system, .string(let text)):
            try ContentRules.validate(text: text)
            return .text(text)
        case (.imageRef, .string(let caption)), (.fileRef, .string(let caption)):
            // A file needs no caption (blanks are none); a caption obeys the text rules.
            if caption.allSatisfy(\.isWhitespace) { return .text("") }
            try ContentRules.validate(text: caption)
            return .text(caption)
        case (.imageRef, .null), (.fileRef, .null):
            return .text("")
        case (.text, _), (.system, _), (.imageRef, _), (.fileRef, _):
            throw .validationFailed(field: "content", reason: "must be a string")
        }
    }

    private func file(for request: Request, in roomID: RoomID) async throws -> StoredFile? {
        switch request.kind {
        case .imageRef, .fileRef:
            guard let fileID = request.fileID else {
                throw DomainError.validationFailed(field: "file_id", reason: "is required for \(request.kind.rawValue)")
            }
            guard let file = try await self.deps.files.file(id: fileID), file.roomID == roomID, file.deletedAt == nil
            else {
                throw DomainError.validationFailed(field: "file_id", reason: "is not a file of this room")
            }
            if request.kind == .imageRef, file.fileType != .image {
                throw DomainError.validationFailed(field: "file_id", reason: "is not an image")
            }
            return file
        case .text, .system, .incidentData:
            guard request.fileID == nil else {
                throw DomainError.validationFailed(field: "file_id", reason: "only image_ref and file_ref carry a file")
            }
            return nil
        }
    }

    /// Parsed `@name` mentions plus explicit ones, kept only when they are members of the room.
    static func mentions(in content: MessageContent, explicit: [UserID]?, members: [Member]) -> [UserID] {
        // Only members can be mentioned; `prepare` reads none for the usual message, with no `@` and no list.
        guard !members.isEmpty else { return [] }
        let memberIDs = Set(members.map(\.userID))
        var mentions: [UserID] = []
        if case .text(let text) = content {
            let parser = MentionParser(members: members.map { .init(userID: $0.userID, displayName: $0.displayName) })
            mentions = parser.mentions(in: text)
        }
        for id in explicit ?? [] where memberIDs.contains(id) && !mentions.contains(id) { mentions.append(id) }
        return mentions
    }

    private func notifyMentioned(in message: Message, room: Room, by principal: Principal) async throws {
        let dispatcher = NotificationDispatcher(deps: self.deps)
        let preview = message.content?.text.map { String($0.prefix(140)) } ?? ""
        let notices = message.mentions.filter { $0 != principal.userID }.map { user in
            dispatcher.make(
                for: user, kind: .mention, title: "\(principal.displayName) mentioned you in \(room.title)",
                message: preview, room: room.id, reference: .message(message.id), at: message.createdAt)
        }
        try await dispatcher.deliver(notices)
    }
}
