internal import Application
package import Domain
package import Foundation

/// `FileStore` on PostgreSQL: file metadata (the bytes are in object storage).
package struct PostgresFileStore: FileStore {
    private let pool: PostgresPool

    package init(pool: PostgresPool) {
        self.pool = pool
    }

    private static let columns = """
        file_id, room_id, filename, content_type, size, file_type, object_key, uploaded_by, uploaded_at, deleted_at
        """

    package func add(_ file: StoredFile) async throws {
        try await self.pool.write { connection in
            do {
                try connection.query(
                    "INSERT INTO files (\(Self.columns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    [
                        .uuid(file.id.uuid), .uuid(file.roomID.uuid), .text(file.filename), .text(file.contentType),
                        .int(file.size), .text(file.fileType.rawValue), .text(file.objectKey),
                        .text(file.uploadedBy.rawValue), .date(file.uploadedAt), .date(file.deletedAt),
                    ])
            } catch let error as PostgresError where error.isUniqueViolation {
                throw DomainError.conflict("A file with this id exists.")
            }
        }
    }

    package func file(id: FileID) async throws -> StoredFile? {
        try await self.pool.read { connection in
            try connection.query("SELECT \(Self.columns) FROM files WHERE file_id = $1", [.uuid(id.uuid)])
                .first.map(Self.decode)
        }
    }

    package func files(in roomID: RoomID) async throws -> [StoredFile] {
        try await self.pool.read { connection in
            try connection.query(
                """
                SELECT \(Self.columns) FROM files WHERE room_id = $1 AND deleted_at IS NULL
                ORDER BY uploaded_at DESC, file_id DESC
                """, [.uuid(roomID.uuid)]
            ).rows.map(Self.decode)
        }
    }

    package func delete(_ id: FileID, at: Date) async throws {
        try await self.pool.write { connection in
            let deleted = try connection.query(
                "UPDATE files SET deleted_at = $2 WHERE file_id = $1 AND deleted_at IS NULL RETURNING room_id",
                [.uuid(id.uuid), .date(at)])
            guard deleted.rows.count == 1 else { throw DomainError.notFound("File") }
            // The messages that embed it carry a snapshot of it (messages.file): marked in the same transaction, so
            // none of them offers it for download. Only the room's messages are looked at.
            try connection.query(
                """
                UPDATE messages SET file = (file::jsonb || jsonb_build_object('deleted_at_us', $3::bigint))::json
                WHERE room_id = $2 AND file IS NOT NULL AND file->>'file_id' = $1::text
                """,
                [
                    .text(id.description), .uuid(try deleted.rows[0].decode(UUID.self, at: 0)),
                    .int(PostgresTime.microseconds(since2000: at)),
                ])
        }
    }

    private static func decode(_ row: PostgresRow) throws -> StoredFile {
        guard let fileType = FileType(rawValue: try row.decode(String.self, at: 5)) else {
            throw PostgresError(.decoding)
        }
        return StoredFile(
            id: FileID(uuid: try row.decode(UUID.self, at: 0)), roomID: RoomID(uuid: try row.decode(UUID.self, at: 1)),
            filename: try row.decode(String.self, at: 2), contentType: try row.decode(String.self, at: 3),
            size: try row.decode(Int64.self, at: 4), fileType: fileType, objectKey: try row.decode(String.self, at: 6),
            uploadedBy: UserID(rawValue: try row.decode(String.self, at: 7)),
            uploadedAt: try row.decode(Date.self, at: 8), deletedAt: try row.decode(Date?.self, at: 9))
    }
}
