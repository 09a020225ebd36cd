package import Domain

/// The files of a room, for its members.
package struct ListFiles: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(in roomID: RoomID, by principal: Principal) async throws -> [StoredFile] {
        _ = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        return try await self.deps.files.files(in: roomID)
    }
}
