import Domain

extension Dependencies {
    /// The room's members, each with the display name they last signed in with.
    ///
    /// A member added by id before their first login is stored under their id as name; once they have signed in,
    /// their directory name is what the member list shows and what people type after `@`.
    func membersWithCurrentNames(of roomID: RoomID) async throws -> [Member] {
        var members = try await self.rooms.members(of: roomID)
        let users = try await self.users.users(ids: members.map(\.userID))
        for index in members.indices {
            if let name = users[members[index].userID]?.displayName, !name.isEmpty {
                members[index].displayName = name
            }
        }
        return members
    }
}
