import Application
package import Domain
package import Foundation

/// `FileStore` over an `InMemoryDatabase`.
package struct InMemoryFileStore: FileStore {
    let database: InMemoryDatabase

    package init(database: InMemoryDatabase) {
        self.database = database
    }

    package func add(_ file: StoredFile) async throws {
        try self.database.write { (state) throws(DomainError) in
            guard state.files[file.id] == nil else { throw .conflict("The file already exists.") }
            state.files[file.id] = file
        }
    }

    package func file(id: FileID) async throws -> StoredFile? {
        self.database.read { $0.files[id] }
    }

    package func files(in roomID: RoomID) async throws -> [StoredFile] {
        self.database.read { state in
            state.files.values.filter { $0.roomID == roomID && $0.deletedAt == nil }
                .sorted { ($0.uploadedAt, $0.id) > ($1.uploadedAt, $1.id) }
        }
    }

    package func delete(_ id: FileID, at date: Date) async throws {
        try self.database.write { (state) throws(DomainError) in
            guard let file = state.files[id], file.deletedAt == nil else { throw .notFound("File") }
            state.files[id]!.deletedAt = date
            // The messages that embed it carry a snapshot of it: marked too, so none of them offers it for download.
            for messageID in state.rooms[file.roomID]?.sequence ?? []
            where state.messages[messageID]?.message.file?.id == id {
                state.messages[messageID]!.message.file!.deletedAt = date
            }
        }
    }
}
