package import Domain
package import Foundation

/// Records that a member is (or stopped) typing and tells the others; viewers cannot type into a room.
package struct SetTyping: Sendable {
    /// A typing state lapses 3 s after the user's last typing event.
    package static let expiry: TimeInterval = 3

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ isTyping: Bool, in roomID: RoomID, by principal: Principal) async throws {
        try self.deps.limits.typing.take(for: principal.userID, at: self.deps.clock.now())
        let access = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        try access.require(.send)
        try access.requireWritable()
        let changed = await self.deps.presence.setTyping(
            isTyping, user: principal.userID, displayName: principal.displayName, room: roomID,
            at: self.deps.clock.now())
        if changed {
            await self.deps.bus.publish(
                .typing(room: roomID, user: principal.userID, displayName: principal.displayName, isTyping: isTyping))
        }
    }
}
