package import Domain
import Foundation

/// One message, for members of its room.
package struct GetMessage: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// `roomID`, when given, must be the message's room (REST paths name both).
    package func callAsFunction(_ id: MessageID, in roomID: RoomID? = nil, by principal: Principal) async throws
        -> Message
    {
        guard let message = try await self.deps.messages.message(id: id), roomID == nil || message.roomID == roomID
        else {
            throw DomainError.notFound("Message")
        }
        _ = try await RoomAccess.resolve(message.roomID, for: principal, in: self.deps)
        return message
    }
}
