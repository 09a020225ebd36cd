package import Domain

/// Soft-deletes a file: its uploader or the room's OWNER (or an admin). The bytes stay for the audit trail.
package struct DeleteFile: Sendable {
    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    package func callAsFunction(_ id: FileID, in roomID: RoomID, by principal: Principal) async throws {
        let access = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        guard let file = try await self.deps.files.file(id: id), file.roomID == roomID, file.deletedAt == nil else {
            throw DomainError.notFound("File")
        }
        if file.uploadedBy == principal.userID {
            try access.require(.uploadFile)
        } else {
            try access.require(.deleteAnyFile)
        }
        try access.requireWritable()
        try await self.deps.files.delete(id, at: self.deps.clock.now())
    }
}
