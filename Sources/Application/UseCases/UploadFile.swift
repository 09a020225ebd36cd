package import Domain

/// Stores an uploaded file: EDITOR or OWNER, type checked from the content, the metadata row written only once
/// the bytes are stored, and no orphan object left behind when the row cannot be written.
package struct UploadFile: Sendable {
    package struct Request: Hashable, Sendable {
        /// The name as the client gave it, kept for display.
        package var filename: String
        package var size: Int64
        /// The first bytes of the content, for type sniffing.
        package var prefix: [UInt8]
        package var body: ObjectBody

        package init(filename: String, size: Int64, prefix: [UInt8], body: ObjectBody) {
            self.filename = filename
            self.size = size
            self.prefix = prefix
            self.body = body
        }
    }

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// Whether `principal` may upload to the room at all (EDITOR or OWNER of a room that is not archived):
    /// checked again by every upload, and asked first by the server from the request's head, so that a refused
    /// upload's body is never received.
    package func authorize(_ roomID: RoomID, by principal: Principal) async throws {
        let access = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        try access.require(.uploadFile)
        try access.requireWritable()
    }

    package func callAsFunction(_ request: Request, to roomID: RoomID, by principal: Principal) async throws
        -> StoredFile
    {
        try await self.authorize(roomID, by: principal)
        let classification = try FilePolicy.classify(
            filename: request.filename, size: request.size, prefix: request.prefix)
        let id = FileID(uuid: self.deps.ids.next())
        let key = FilePolicy.objectKey(room: roomID, file: id, filename: request.filename)
        let file = StoredFile(
            id: id, roomID: roomID, filename: FilePolicy.displayFilename(request.filename),
            contentType: classification.contentType,
            size: request.size, fileType: classification.fileType, objectKey: key, uploadedBy: principal.userID,
            uploadedAt: self.deps.clock.now())
        try await self.deps.objects.put(key: key, contentType: classification.contentType, body: request.body)
        do {
            try await self.deps.files.add(file)
        } catch {
            // The row is the record of the upload: without it the object is an orphan, so it goes too.
            try? await self.deps.objects.delete(key: key)
            throw error
        }
        return file
    }
}
