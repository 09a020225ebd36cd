package import Domain

/// Lists a room's members; any member (or admin) may.
package struct ListMembers: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ roomID: RoomID, by principal: Principal) async throws -> [Member] {
        _ = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        return try await self.deps.membersWithCurrentNames(of: roomID)
    }
}

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
        let (added, message) = try await self.deps.rooms.add(member, announcement: announcement)
        await self.deps.bus.publish(.messageCreated(message))
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
            sentence: "\(principal.displayName) changed the role of \(member.displayName) from \(member.role.rawValue) to \(role.rawValue)",
            data: ["member_id": .string(userID.rawValue), "role": .string(role.rawValue)])
        var (changed, message) = try await self.deps.rooms.changeRole(of: userID, in: roomID, to: role, announcement: announcement)
        await self.deps.bus.publish(.messageCreated(message))
        changed.displayName = member.displayName
        return changed
    }
}

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
        let message = try await self.deps.rooms.remove(userID, from: roomID, announcement: announcement)
        await self.deps.bus.publish(.messageCreated(message))
        await self.deps.bus.publish(.accessRevoked(room: roomID, user: userID))
    }
}
