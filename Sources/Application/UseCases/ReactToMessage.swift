package import Domain

/// Adds or removes the caller's reaction; EDITOR and OWNER may, VIEWER may not.
package struct ReactToMessage: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// `changed` is false when the reaction already was (or was not) there: nothing is stored or broadcast.
    /// - Parameters:
    ///   - room: the room the caller acts in (a WebSocket acts on its own room only); nil to take the message's.
    ///   - executor: where the room's changes run when they were idle (a connection's event loop).
    package func callAsFunction(
        _ id: MessageID, emoji: String, action: ReactionAction, in room: RoomID? = nil, by principal: Principal,
        on executor: (any TaskExecutor)? = nil
    ) async throws -> (message: Message, changed: Bool) {
        let emoji = try Emoji(emoji)
        try self.deps.limits.takeAction(for: principal.userID, at: self.deps.clock.now())
        let roomID = try await MessageRoom.resolve(id, in: room, deps: self.deps)
        return try await self.deps.committer.perform(in: roomID, on: executor) {
            guard let message = try await self.deps.messages.message(id: id), !message.isDeleted,
                message.roomID == roomID
            else {
                throw DomainError.notFound("Message")
            }
            let access = try await RoomAccess.resolve(message.roomID, for: principal, in: self.deps)
            try access.require(.react)
            try access.requireWritable()
            let result = try await self.deps.messages.react(
                id, user: principal.userID, emoji: emoji, action: action, at: self.deps.clock.now())
            let events: [LiveEvent] =
                result.changed
                ? [.reactionsUpdated(result.message, user: principal.userID, emoji: emoji.value, action: action)] : []
            return (result, events)
        }
    }
}
