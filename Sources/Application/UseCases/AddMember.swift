package import Domain

/// Adds a member (OWNER or admin); the added user is notified.
package struct AddMember: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ userID: UserID, role: Role, to roomID: RoomID, by principal: Principal) async throws
        -> Member
    {
        let access = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        try access.require(.manageMembers)
        guard access.room.status != .archived else { throw DomainError.roomArchived }
        guard userID.rawValue.contains("@"), userID.rawValue.utf8.count <= 320,
            !userID.rawValue.unicodeScalars.contains(where: { ContentRules.isRefused($0) || $0 == " " })
        else {
            throw DomainError.validationFailed(field: "user_id", reason: "must be the user's e-mail address")
        }
        let now = self.deps.clock.now()
        let displayName = try await self.deps.users.user(id: userID)?.displayName ?? userID.rawValue
        let member = Member(roomID: roomID, userID: userID, displayName: displayName, role: role, addedAt: now)
        let announcement = RoomAnnouncement(deps: self.deps, principal: principal, roomID: roomID, at: now).make(
            event: "member_added", sentence: "\(principal.displayName) added \(displayName) as \(role.rawValue)",
            data: ["member_id": .string(userID.rawValue), "role": .string(role.rawValue)])
        let added = try await self.deps.committer.perform(in: roomID) {
            let (added, message) = try await self.deps.rooms.add(member, announcement: announcement)
            return (added, [.messageCreated(message)])
        }
        let dispatcher = NotificationDispatcher(deps: self.deps)
        try await dispatcher.deliver([
            dispatcher.make(
                for: userID, kind: .memberAdded, title: "Added to \(access.room.title)",
                message: "\(principal.displayName) added you as \(role.rawValue)", room: roomID,
                reference: .room(roomID), at: now)
        ])
        return added
    }
}
