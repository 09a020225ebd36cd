package import Application
import Domain
package import Foundation
import Synchronization

/// `ObjectStorage` in memory, for tests and the `--store memory` demo; thread-safe behind a mutex.
///
/// Tests can switch it to "unavailable" to prove that a storage failure leaves no metadata behind, and list its
/// keys to prove that no orphan object is left after a failed metadata write.
package final class InMemoryObjectStorage: ObjectStorage {
    private struct State {
        var objects: [String: (bytes: [UInt8], contentType: String)] = [:]
        var isAvailable = true
        var prepared = false
    }

    private let state = Mutex(State())
    private let baseURL: String

    /// - Parameter baseURL: what `downloadURL` puts before the key (the demo server can serve it there).
    package init(baseURL: String = "memory://objects") {
        self.baseURL = baseURL
    }

    /// Makes every call fail with `storageUnavailable` (false) or work again (true).
    package func setAvailable(_ available: Bool) {
        self.state.withLock { $0.isAvailable = available }
    }

    /// The stored keys, sorted.
    package var keys: [String] { self.state.withLock { $0.objects.keys.sorted() } }

    /// Whether `prepare()` has run.
    package var isPrepared: Bool { self.state.withLock { $0.prepared } }

    package func prepare() async throws {
        try self.state.withLock { state throws(DomainError) in
            guard state.isAvailable else { throw .storageUnavailable }
            state.prepared = true
        }
    }

    package func put(key: String, contentType: String, body: ObjectBody) async throws {
        try self.checkAvailable()
        let bytes: [UInt8]
        switch body {
        case .bytes(let data): bytes = data
        case .file(let path, let offset, let length):
            // A test double may read the file whole; the S3 adapter streams it.
            guard let handle = FileHandle(forReadingAtPath: path) else { throw DomainError.storageUnavailable }
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: Int(length)) ?? Data()
            guard data.count == Int(length) else { throw DomainError.storageUnavailable }
            bytes = Array(data)
        }
        try self.state.withLock { state throws(DomainError) in
            guard state.isAvailable else { throw .storageUnavailable }
            state.objects[key] = (bytes, contentType)
        }
    }

    package func get(key: String) async throws -> [UInt8] {
        try self.state.withLock { state throws(DomainError) in
            guard state.isAvailable else { throw .storageUnavailable }
            guard let object = state.objects[key] else { throw .notFound("File") }
            return object.bytes
        }
    }

    package func head(key: String) async throws -> ObjectInfo? {
        try self.state.withLock { state throws(DomainError) in
            guard state.isAvailable else { throw .storageUnavailable }
            return state.objects[key].map { ObjectInfo(size: Int64($0.bytes.count), contentType: $0.contentType) }
        }
    }

    package func delete(key: String) async throws {
        try self.state.withLock { state throws(DomainError) in
            guard state.isAvailable else { throw .storageUnavailable }
            state.objects[key] = nil
        }
    }

    package func downloadURL(key: String, expiresIn: TimeInterval, at now: Date) throws -> String {
        let expires = Int((now.timeIntervalSince1970 + expiresIn).rounded(.down))
        let encoded = key.addingPercentEncoding(withAllowedCharacters: Self.keyCharacters) ?? key
        return "\(self.baseURL)/\(encoded)?expires=\(expires)"
    }

    private static let keyCharacters = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")

    private func checkAvailable() throws(DomainError) {
        guard self.state.withLock({ $0.isAvailable }) else { throw .storageUnavailable }
    }
}
