package import Domain

/// Who the caller is in a room: the one place that decides whether a room can be seen and with which rights.
///
/// Admins who are not members act as OWNER (API.md: "An admin may do everything everywhere").
package struct RoomAccess: Hashable, Sendable {
    package var room: Room
    /// The caller's membership role, nil for an admin who is not a member.
    package var memberRole: Role?
    /// The role the caller acts with.
    package var role: Role

    /// Loads the room and the caller's role: `notFound` for no such room, `forbidden` for a non-member.
    package static func resolve(_ roomID: RoomID, for principal: Principal, in deps: Dependencies) async throws
        -> RoomAccess
    {
        guard let room = try await deps.rooms.room(id: roomID) else { throw DomainError.notFound("Room") }
        let member = try await deps.rooms.member(principal.userID, of: roomID)
        if let member {
            return RoomAccess(room: room, memberRole: member.role, role: principal.isAdmin ? .owner : member.role)
        }
        guard principal.isAdmin else { throw DomainError.forbidden }
        return RoomAccess(room: room, memberRole: nil, role: .owner)
    }

    /// Throws `insufficientPermissions` unless the role allows `action`.
    package func require(_ action: RoomAction) throws(DomainError) {
        guard self.role.allows(action) else { throw .insufficientPermissions }
    }

    /// Throws `roomArchived` when the room is read-only.
    package func requireWritable() throws(DomainError) {
        guard self.room.status != .archived else { throw .roomArchived }
    }
}
