package import Domain
import Foundation

/// Pages through a room's timeline, newest first or, after a sequence number, oldest first.
package struct ReadHistory: Sendable {
    package static let limits = 1...200

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ roomID: RoomID, _ query: HistoryQuery, by principal: Principal) async throws
        -> HistoryPage
    {
        guard Self.limits.contains(query.limit) else { throw DomainError.invalidRequest("limit must be 1 to 200") }
        switch query.direction {
        case .newestFirst(let beforeSequence, _):
            if let beforeSequence, beforeSequence < 0 {
                throw DomainError.invalidRequest("before_seq must not be negative")
            }
        case .oldestFirst(let afterSequence):
            guard afterSequence >= 0 else { throw DomainError.invalidRequest("after_seq must not be negative") }
        }
        _ = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        return try await self.deps.messages.history(of: roomID, query)
    }
}

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
