package import Domain

/// Soft-deletes a message: its sender, the room's OWNER, or an admin. The message keeps its place.
///
/// System messages record changes to the room; they are the audit trail and nobody deletes them.
package struct DeleteMessage: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ id: MessageID, by principal: Principal) async throws -> Message {
        guard let message = try await self.deps.messages.message(id: id), !message.isDeleted else {
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
        let deleted = try await self.deps.messages.delete(id, by: principal.userID, at: self.deps.clock.now())
        await self.deps.bus.publish(.messageDeleted(deleted))
        return deleted
    }
}
