package import Domain

/// Adds or removes the caller's reaction; EDITOR and OWNER may, VIEWER may not.
package struct ReactToMessage: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// `changed` is false when the reaction already was (or was not) there: nothing is stored or broadcast.
    package func callAsFunction(_ id: MessageID, emoji: String, action: ReactionAction, by principal: Principal)
        async throws -> (message: Message, changed: Bool)
    {
        guard let message = try await self.deps.messages.message(id: id), !message.isDeleted else {
            throw DomainError.notFound("Message")
        }
        let access = try await RoomAccess.resolve(message.roomID, for: principal, in: self.deps)
        try access.require(.react)
        try access.requireWritable()
        let emoji = try Emoji(emoji)
        let result = try await self.deps.messages.react(
            id, user: principal.userID, emoji: emoji, action: action, at: self.deps.clock.now())
        if result.changed {
            await self.deps.bus.publish(
                .reactionsUpdated(result.message, user: principal.userID, emoji: emoji.value, action: action))
        }
        return result
    }
}
