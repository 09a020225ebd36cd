package import Domain

/// Pins or unpins a message as one of the incident's key events: OWNER or EDITOR of its room, or an admin.
///
/// A pin change is a stored change: it takes its place in the room's order (`RoomCommitter`), raises the room's
/// `rev` and is broadcast (`message_pinned` / `message_unpinned`). Pinning a pinned message (or unpinning one that is
/// not) changes nothing and broadcasts nothing. Deleted messages can be neither pinned nor unpinned (`conflict`);
/// archived rooms are read-only.
package struct PinMessage: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// - Parameters:
    ///   - room: the room the caller acts in; nil to take the message's (REST names only the message).
    ///   - executor: where the room's changes run when they were idle.
    package func callAsFunction(
        _ id: MessageID, pinned: Bool, in room: RoomID? = nil, by principal: Principal,
        on executor: (any TaskExecutor)? = nil
    ) async throws -> (message: Message, changed: Bool) {
        try self.deps.limits.takeAction(for: principal.userID, at: self.deps.clock.now())
        let roomID = try await MessageRoom.resolve(id, in: room, deps: self.deps)
        return try await self.deps.committer.perform(in: roomID, on: executor) {
            guard let message = try await self.deps.messages.message(id: id), message.roomID == roomID else {
                throw DomainError.notFound("Message")
            }
            let access = try await RoomAccess.resolve(message.roomID, for: principal, in: self.deps)
            try access.require(.pinMessages)
            try access.requireWritable()
            guard !message.isDeleted else {
                throw DomainError.conflict("A deleted message cannot be pinned or unpinned.")
            }
            let result = try await self.deps.messages.setPinned(
                id, pinned, by: principal.userID, at: self.deps.clock.now())
            let events: [LiveEvent] =
                result.changed ? [pinned ? .messagePinned(result.message) : .messageUnpinned(result.message)] : []
            return (result, events)
        }
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
