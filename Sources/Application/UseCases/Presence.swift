package import Domain
package import Foundation

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
        if await self.deps.presence.connect(connection, user: principal.userID, displayName: principal.displayName, room: roomID, at: now) {
            await self.deps.bus.publish(.userJoined(room: roomID, user: principal.userID, displayName: principal.displayName, at: now))
        }
        return access
    }
}

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
            await self.deps.bus.publish(.typing(room: roomID, user: principal.userID, displayName: principal.displayName, isTyping: false))
        }
        await self.deps.bus.publish(
            .userLeft(room: roomID, user: principal.userID, displayName: principal.displayName, at: self.deps.clock.now()))
    }
}

/// Records that a member is (or stopped) typing and tells the others; viewers cannot type into a room.
package struct SetTyping: Sendable {
    /// A typing state lapses 3 s after the user's last typing event.
    package static let expiry: TimeInterval = 3

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ isTyping: Bool, in roomID: RoomID, by principal: Principal) async throws {
        let access = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        try access.require(.send)
        try access.requireWritable()
        let changed = await self.deps.presence.setTyping(
            isTyping, user: principal.userID, displayName: principal.displayName, room: roomID, at: self.deps.clock.now())
        if changed {
            await self.deps.bus.publish(.typing(room: roomID, user: principal.userID, displayName: principal.displayName, isTyping: isTyping))
        }
    }
}

/// Clears typing states older than 3 s and announces `is_typing: false`; run about once a second.
package struct ExpireTyping: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction() async {
        let cutoff = self.deps.clock.now().addingTimeInterval(-SetTyping.expiry)
        for (room, entry) in await self.deps.presence.expireTyping(refreshedBefore: cutoff) {
            await self.deps.bus.publish(.typing(room: room, user: entry.userID, displayName: entry.displayName, isTyping: false))
        }
    }
}

/// Who is connected to a room, or typing in it, for its members.
package struct ListPresence: Sendable {
    package enum Kind: Sendable {
        case online, typing
    }

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ kind: Kind, in roomID: RoomID, by principal: Principal) async throws -> [PresenceEntry] {
        _ = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        switch kind {
        case .online: return await self.deps.presence.online(in: roomID)
        case .typing: return await self.deps.presence.typing(in: roomID)
        }
    }
}
