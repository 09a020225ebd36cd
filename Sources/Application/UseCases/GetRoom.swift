package import Domain

/// One room, for its members and admins.
package struct GetRoom: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ roomID: RoomID, by principal: Principal) async throws -> RoomView {
        let access = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        let readState = try await self.deps.rooms.readState(of: principal.userID, in: roomID)
        return RoomView(room: access.room, myRole: access.memberRole, readState: readState)
    }
}
