package import Foundation

/// Object storage for file bytes (S3-compatible in production).
///
/// Errors: `DomainError.storageUnavailable` when the storage cannot be reached or answers with a server error;
/// `DomainError.notFound` for a missing object.
package protocol ObjectStorage: Sendable {
    /// Creates the bucket when it does not exist yet (at start).
    func prepare() async throws
    func put(key: String, contentType: String, body: ObjectBody) async throws
    func get(key: String) async throws -> [UInt8]
    /// Size and content type, or nil when there is no such object.
    func head(key: String) async throws -> ObjectInfo?
    /// Deleting a missing object succeeds (S3 semantics).
    func delete(key: String) async throws
    /// A URL anyone can GET the object with until it expires.
    func downloadURL(key: String, expiresIn: TimeInterval, at now: Date) throws -> String
}

/// Where the bytes of an upload are: in memory, or in a spooled file (a large upload is never held whole in memory).
package enum ObjectBody: Hashable, Sendable {
    case bytes([UInt8])
    case file(path: String, offset: Int64, length: Int64)

    package var length: Int64 {
        switch self {
        case .bytes(let bytes): Int64(bytes.count)
        case .file(_, _, let length): length
        }
    }
}

package struct ObjectInfo: Hashable, Sendable {
    package var size: Int64
    package var contentType: String?

    package init(size: Int64, contentType: String?) {
        self.size = size
        self.contentType = contentType
    }
}
