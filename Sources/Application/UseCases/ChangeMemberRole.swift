package import Domain

/// Changes a member's role (OWNER or admin); the last OWNER cannot be demoted.
package struct ChangeMemberRole: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ userID: UserID, to role: Role, in roomID: RoomID, by principal: Principal)
        async throws -> Member
    {
        let access = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        try access.require(.manageMembers)
        guard access.room.status != .archived else { throw DomainError.roomArchived }
        let members = try await self.deps.membersWithCurrentNames(of: roomID)
        guard let member = members.first(where: { $0.userID == userID }) else { throw DomainError.notFound("Member") }
        guard member.role != role else { return member }
        if member.role == .owner, members.count(where: { $0.role == .owner }) == 1 {
            throw DomainError.conflict("The last OWNER of a room cannot be demoted.")
        }
        let now = self.deps.clock.now()
        let announcement = RoomAnnouncement(deps: self.deps, principal: principal, roomID: roomID, at: now).make(
            event: "role_changed",
            sentence:
                "\(principal.displayName) changed the role of \(member.displayName) from \(member.role.rawValue) to \(role.rawValue)",
            data: ["member_id": .string(userID.rawValue), "role": .string(role.rawValue)])
        var changed = try await self.deps.committer.perform(in: roomID) {
            let (changed, message) = try await self.deps.rooms.changeRole(
                of: userID, in: roomID, to: role, announcement: announcement)
            return (changed, [.messageCreated(message)])
        }
        changed.displayName = member.displayName
        return changed
    }
}
