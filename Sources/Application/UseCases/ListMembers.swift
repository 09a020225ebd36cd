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
