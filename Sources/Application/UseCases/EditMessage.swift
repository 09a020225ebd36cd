package import Domain

/// Changes a message's content: the sender alone, within 15 minutes, never a system message.
package struct EditMessage: Sendable {
    let deps: Dependencies
    let window: EditWindowPolicy

    package init(_ deps: Dependencies, window: EditWindowPolicy = EditWindowPolicy()) {
        self.deps = deps
        self.window = window
    }

    /// - Parameters:
    ///   - room: the room the caller acts in (a WebSocket acts on its own room only); nil to take the message's.
    ///   - executor: where the room's changes run when they were idle (a connection's event loop).
    package func callAsFunction(
        _ id: MessageID, content: JSONValue, in room: RoomID? = nil, by principal: Principal,
        on executor: (any TaskExecutor)? = nil
    ) async throws -> Message {
        try self.deps.limits.takeAction(for: principal.userID, at: self.deps.clock.now())
        let roomID = try await MessageRoom.resolve(id, in: room, deps: self.deps)
        let outcome = try await self.deps.committer.perform(in: roomID, on: executor) {
            let outcome = try await self.apply(id, content: content, in: roomID, by: principal)
            return (outcome, outcome.changed ? [.messageEdited(outcome.message)] : [])
        }
        try await NotificationDispatcher(deps: self.deps).deliver(outcome.notices)
        return outcome.message
    }

    private struct Outcome: Sendable {
        var message: Message
        var changed: Bool
        var notices: [UserNotification]
    }

    /// The edit itself, in the room's order: the message as it is now, the rules, the store, and the
    /// notifications to send for new mentions. Unchanged content stores and broadcasts nothing.
    private func apply(_ id: MessageID, content: JSONValue, in roomID: RoomID, by principal: Principal) async throws
        -> Outcome
    {
        guard let message = try await self.deps.messages.message(id: id), !message.isDeleted,
            message.roomID == roomID
        else {
            throw DomainError.notFound("Message")
        }
        let access = try await RoomAccess.resolve(message.roomID, for: principal, in: self.deps)
        // Editing is the sender's alone, even for OWNER and admin (API.md, precise rules).
        guard message.senderID == principal.userID, message.kind != .system else { throw DomainError.notOwner }
        try access.require(.editOwnMessage)
        try access.requireWritable()
        let now = self.deps.clock.now()
        guard self.window.isOpen(sentAt: message.createdAt, now: now) else {
            throw DomainError.editWindowExpired(seconds: Int(self.window.length))
        }

        let newContent: MessageContent
        switch (message.kind, content) {
        case (.incidentData, .object(let readings)):
            try ContentRules.validate(readings: readings)
            newContent = .readings(readings)
        case (.text, .string(let text)):
            try ContentRules.validate(text: text)
            newContent = .text(text)
        case (.imageRef, .string(let caption)), (.fileRef, .string(let caption)):
            if caption.allSatisfy(\.isWhitespace) {
                newContent = .text("")
            } else {
                try ContentRules.validate(text: caption)
                newContent = .text(caption)
            }
        case (.incidentData, _):
            throw DomainError.validationFailed(
                field: "content", reason: "must be an object of readings for incident_data")
        case (.text, _), (.imageRef, _), (.fileRef, _), (.system, _):
            throw DomainError.validationFailed(field: "content", reason: "must be a string")
        }
        let members = try await self.deps.membersWithCurrentNames(of: message.roomID)
        // Mentions the client passed explicitly (not typed in the old text) stay: an edit only carries content.
        let typedBefore = message.content.map { SendMessage.mentions(in: $0, explicit: nil, members: members) } ?? []
        let explicit = message.mentions.filter { !typedBefore.contains($0) }
        let mentions = SendMessage.mentions(in: newContent, explicit: explicit, members: members)
        // Saving the same text again is not an edit: nothing is recorded or broadcast.
        if newContent == message.content, mentions == message.mentions {
            return Outcome(message: message, changed: false, notices: [])
        }
        let edited = try await self.deps.messages.edit(
            id, content: newContent, mentions: mentions, by: principal.userID, at: now)

        // Someone newly mentioned by the edit hears of it; those mentioned before were told already.
        let dispatcher = NotificationDispatcher(deps: self.deps)
        let preview = edited.content?.text.map { String($0.prefix(140)) } ?? ""
        let notices = mentions.filter { $0 != principal.userID && !message.mentions.contains($0) }.map { user in
            dispatcher.make(
                for: user, kind: .mention, title: "\(principal.displayName) mentioned you in \(access.room.title)",
                message: preview, room: message.roomID, reference: .message(id), at: now)
        }
        return Outcome(message: edited, changed: true, notices: notices)
    }
}
