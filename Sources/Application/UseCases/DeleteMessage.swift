package import Domain

/// Soft-deletes a message: its sender, the room's OWNER, or an admin. The message keeps its place.
///
/// System messages record changes to the room; they are the audit trail and nobody deletes them.
package struct DeleteMessage: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// - Parameters:
    ///   - room: the room the caller acts in (a WebSocket acts on its own room only); nil to take the message's.
    ///   - executor: where the room's changes run when they were idle (a connection's event loop).
    package func callAsFunction(
        _ id: MessageID, in room: RoomID? = nil, by principal: Principal, on executor: (any TaskExecutor)? = nil
    ) async throws -> Message {
        try self.deps.limits.takeAction(for: principal.userID, at: self.deps.clock.now())
        let roomID = try await MessageRoom.resolve(id, in: room, deps: self.deps)
        return try await self.deps.committer.perform(in: roomID, on: executor) {
            let deleted = try await self.apply(id, in: roomID, by: principal)
            return (deleted, [.messageDeleted(deleted)])
        }
    }

    private func apply(_ id: MessageID, in roomID: RoomID, by principal: Principal) async throws -> Message {
        guard let message = try await self.deps.messages.message(id: id), !message.isDeleted,
            message.roomID == roomID
        else {
            throw DomainError.notFound("Message")
        }
        let access = try await RoomAccess.resolve(message.roomID, for: principal, in: self.deps)
        guard message.kind != .system else { throw DomainError.insufficientPermissions }
        if message.senderID == principal.userID {
            try access.require(.deleteOwnMessage)
        } else if !access.role.allows(.deleteAnyMessage) {
            throw DomainError.notOwner
        }
        try access.requireWritable()
        return try await self.deps.messages.delete(id, by: principal.userID, at: self.deps.clock.now())
    }
}
