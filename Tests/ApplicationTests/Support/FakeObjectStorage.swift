import Application
import Domain
import Foundation
import Synchronization

/// Object storage in a dictionary; records which keys were written and deleted.
final class FakeObjectStorage: ObjectStorage {
    private struct State {
        var objects: [String: (contentType: String, bytes: [UInt8])] = [:]
        var puts: [String] = []
        var deletes: [String] = []
    }

    private let state = Mutex(State())

    var puts: [String] { self.state.withLock { $0.puts } }
    var deletes: [String] { self.state.withLock { $0.deletes } }

    func prepare() async throws {}

    func put(key: String, contentType: String, body: ObjectBody) async throws {
        guard case .bytes(let bytes) = body else { throw DomainError.storageUnavailable }
        self.state.withLock { state in
            state.objects[key] = (contentType, bytes)
            state.puts.append(key)
        }
    }

    func get(key: String) async throws -> [UInt8] {
        guard let object = self.state.withLock({ $0.objects[key] }) else { throw DomainError.notFound("Object") }
        return object.bytes
    }

    func head(key: String) async throws -> ObjectInfo? {
        self.state.withLock { state in
            state.objects[key].map { ObjectInfo(size: Int64($0.bytes.count), contentType: $0.contentType) }
        }
    }

    func delete(key: String) async throws {
        self.state.withLock { state in
            state.objects[key] = nil
            state.deletes.append(key)
        }
    }

    func downloadURL(key: String, expiresIn: TimeInterval, at now: Date) throws -> String {
        "https://objects.test/\(key)?expires=\(Int(now.timeIntervalSince1970 + expiresIn))"
    }
}
