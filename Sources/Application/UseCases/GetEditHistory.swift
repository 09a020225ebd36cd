package import Domain
import Foundation

/// The previous versions of an edited message: for the room's OWNER, the sender, or an admin.
package struct GetEditHistory: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ id: MessageID, by principal: Principal) async throws -> [EditRecord] {
        guard let message = try await self.deps.messages.message(id: id) else { throw DomainError.notFound("Message") }
        let access = try await RoomAccess.resolve(message.roomID, for: principal, in: self.deps)
        guard message.senderID == principal.userID || access.role.allows(.readAnyEditHistory) else {
            throw DomainError.insufficientPermissions
        }
        return try await self.deps.messages.editHistory(of: id)
    }
}
