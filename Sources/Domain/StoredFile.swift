package import Foundation

/// A file attached to a room; the bytes live in object storage under `objectKey`.
package struct StoredFile: Hashable, Sendable {
    package var id: FileID
    package var roomID: RoomID
    /// The name as uploaded, kept for display; `objectKey` carries the sanitized one.
    package var filename: String
    package var contentType: String
    package var size: Int64
    package var fileType: FileType
    package var objectKey: String
    package var uploadedBy: UserID
    package var uploadedAt: Date
    package var deletedAt: Date?

    package init(
        id: FileID, roomID: RoomID, filename: String, contentType: String, size: Int64, fileType: FileType,
        objectKey: String, uploadedBy: UserID, uploadedAt: Date, deletedAt: Date? = nil
    ) {
        self.id = id
        self.roomID = roomID
        self.filename = filename
        self.contentType = contentType
        self.size = size
        self.fileType = fileType
        self.objectKey = objectKey
        self.uploadedBy = uploadedBy
        self.uploadedAt = uploadedAt
        self.deletedAt = deletedAt
    }
}

package enum FileType: String, Sendable, Codable, CaseIterable {
    case image, document, log
}
