package import Domain
package import Foundation

/// The metadata of files attached to rooms (the bytes are in `ObjectStorage`).
package protocol FileStore: Sendable {
    func add(_ file: StoredFile) async throws
    /// The file, deleted or not; callers decide what a deleted file means.
    func file(id: FileID) async throws -> StoredFile?
    /// The room's files that are not deleted, newest first.
    func files(in roomID: RoomID) async throws -> [StoredFile]
    /// Throws `DomainError.notFound` when unknown or already deleted.
    func delete(_ id: FileID, at: Date) async throws
}
