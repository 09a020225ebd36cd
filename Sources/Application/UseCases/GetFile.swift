package import Domain

/// One file of a room, for its members; a deleted file is not found.
package struct GetFile: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ id: FileID, in roomID: RoomID, by principal: Principal) async throws -> StoredFile {
        _ = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        guard let file = try await self.deps.files.file(id: id), file.roomID == roomID, file.deletedAt == nil else {
            throw DomainError.notFound("File")
        }
        return file
    }
}
