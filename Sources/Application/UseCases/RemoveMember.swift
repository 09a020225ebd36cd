package import Domain

/// Removes a member (OWNER or admin); their live connections to the room are closed. The last OWNER stays.
package struct RemoveMember: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ userID: UserID, from roomID: RoomID, by principal: Principal) async throws {
        let access = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        try access.require(.manageMembers)
        guard access.room.status != .archived else { throw DomainError.roomArchived }
        let members = try await self.deps.membersWithCurrentNames(of: roomID)
        guard let member = members.first(where: { $0.userID == userID }) else { throw DomainError.notFound("Member") }
        if member.role == .owner, members.count(where: { $0.role == .owner }) == 1 {
            throw DomainError.conflict("The last OWNER of a room cannot be removed.")
        }
        let now = self.deps.clock.now()
        let announcement = RoomAnnouncement(deps: self.deps, principal: principal, roomID: roomID, at: now).make(
            event: "member_removed", sentence: "\(principal.displayName) removed \(member.displayName)",
            data: ["member_id": .string(userID.rawValue), "role": .string(member.role.rawValue)])
        try await self.deps.committer.perform(in: roomID) {
            let message = try await self.deps.rooms.remove(userID, from: roomID, announcement: announcement)
            return ((), [.messageCreated(message), .accessRevoked(room: roomID, user: userID)])
        }
    }
}
