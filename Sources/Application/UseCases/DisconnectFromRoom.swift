package import Domain
import Foundation

/// Closes a live connection; a user's last connection to the room announces that they left.
package struct DisconnectFromRoom: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ roomID: RoomID, connection: UInt64, by principal: Principal) async {
        let wasTyping = await self.deps.presence.typing(in: roomID).contains { $0.userID == principal.userID }
        guard await self.deps.presence.disconnect(connection, user: principal.userID, room: roomID) else { return }
        if wasTyping {
            await self.deps.bus.publish(
                .typing(room: roomID, user: principal.userID, displayName: principal.displayName, isTyping: false))
        }
        await self.deps.bus.publish(
            .userLeft(
                room: roomID, user: principal.userID, displayName: principal.displayName, at: self.deps.clock.now()))
    }
}
