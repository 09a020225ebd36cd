package import Domain

/// Pins or unpins a message as one of the incident's key events: OWNER or EDITOR of its room, or an admin.
///
/// A pin change is a stored change: it raises the room's `rev` and is broadcast (`message_pinned` /
/// `message_unpinned`). Pinning a pinned message (or unpinning one that is not) changes nothing and broadcasts
/// nothing. Deleted messages can be neither pinned nor unpinned (`conflict`); archived rooms are read-only.
package struct PinMessage: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ id: MessageID, pinned: Bool, by principal: Principal) async throws
        -> (message: Message, changed: Bool)
    {
        guard let message = try await self.deps.messages.message(id: id) else { throw DomainError.notFound("Message") }
        let access = try await RoomAccess.resolve(message.roomID, for: principal, in: self.deps)
        try access.require(.pinMessages)
        try access.requireWritable()
        guard !message.isDeleted else {
            throw DomainError.conflict("A deleted message cannot be pinned or unpinned.")
        }
        let result = try await self.deps.messages.setPinned(
            id, pinned, by: principal.userID, at: self.deps.clock.now())
        if result.changed {
            await self.deps.bus.publish(pinned ? .messagePinned(result.message) : .messageUnpinned(result.message))
        }
        return result
    }
}

/// The pinned messages of a room, in sequence order, for its members and admins.
package struct ListPins: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ roomID: RoomID, by principal: Principal) async throws -> [Message] {
        _ = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        return try await self.deps.messages.pins(in: roomID)
    }
}
