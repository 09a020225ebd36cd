package import Domain

/// Changes a message's content: the sender alone, within 15 minutes, never a system message.
package struct EditMessage: Sendable {
    let deps: Dependencies
    let window: EditWindowPolicy

    package init(_ deps: Dependencies, window: EditWindowPolicy = EditWindowPolicy()) {
        self.deps = deps
        self.window = window
    }

    package func callAsFunction(_ id: MessageID, content: JSONValue, by principal: Principal) async throws -> Message {
        guard let message = try await self.deps.messages.message(id: id), !message.isDeleted else {
            throw DomainError.notFound("Message")
        }
        let access = try await RoomAccess.resolve(message.roomID, for: principal, in: self.deps)
        // Editing is the sender's alone, even for OWNER and admin (API.md, precise rules).
        guard message.senderID == principal.userID, message.kind != .system else { throw DomainError.notOwner }
        try access.require(.editOwnMessage)
        try access.requireWritable()
        let now = self.deps.clock.now()
        guard self.window.isOpen(sentAt: message.createdAt, now: now) else { throw DomainError.editWindowExpired }

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
        if newContent == message.content, mentions == message.mentions { return message }
        let edited = try await self.deps.messages.edit(
            id, content: newContent, mentions: mentions, by: principal.userID, at: now)
        await self.deps.bus.publish(.messageEdited(edited))

        // Someone newly mentioned by the edit hears of it; those mentioned before were told already.
        let dispatcher = NotificationDispatcher(deps: self.deps)
        let preview = edited.content?.text.map { String($0.prefix(140)) } ?? ""
        let notices = mentions.filter { $0 != principal.userID && !message.mentions.contains($0) }.map { user in
            dispatcher.make(
                for: user, kind: .mention, title: "\(principal.displayName) mentioned you in \(access.room.title)",
                message: preview, room: message.roomID, reference: .message(id), at: now)
        }
        try await dispatcher.deliver(notices)
        return edited
    }
}
