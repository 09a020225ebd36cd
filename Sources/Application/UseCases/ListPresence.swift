package import Domain
import Foundation

/// Who is connected to a room, or typing in it, for its members.
package struct ListPresence: Sendable {
    package enum Kind: Sendable {
        case online, typing
    }

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ kind: Kind, in roomID: RoomID, by principal: Principal) async throws
        -> [PresenceEntry]
    {
        _ = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        switch kind {
        case .online: return await self.deps.presence.online(in: roomID)
        case .typing: return await self.deps.presence.typing(in: roomID)
        }
    }
}
