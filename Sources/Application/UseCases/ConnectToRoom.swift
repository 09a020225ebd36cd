package import Domain
import Foundation

/// Opens a live connection to a room: checks access, records presence, announces a user's first connection.
package struct ConnectToRoom: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// The caller's access (room, role); `notFound` / `forbidden` as for reading the room.
    package func callAsFunction(_ roomID: RoomID, connection: UInt64, by principal: Principal) async throws
        -> RoomAccess
    {
        let access = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        let now = self.deps.clock.now()
        if await self.deps.presence.connect(
            connection, user: principal.userID, displayName: principal.displayName, room: roomID, at: now)
        {
            await self.deps.bus.publish(
                .userJoined(room: roomID, user: principal.userID, displayName: principal.displayName, at: now))
        }
        return access
    }
}
