import Application
import Domain
import Foundation
import InMemory
import TestSupport
import Testing

struct InMemoryObjectStorageTests {
    @Test(arguments: ObjectStorageContract.cases)
    func contract(_ c: ObjectStorageContract.Case) async throws { try await c.run(InMemoryObjectStorage()) }

    @Test func unavailableStorageFailsEveryCallUntilAvailableAgain() async throws {
        let storage = InMemoryObjectStorage()
        try await storage.put(key: "k", contentType: "text/plain", body: .bytes([1]))
        storage.setAvailable(false)
        await #expect(throws: DomainError.storageUnavailable) { try await storage.get(key: "k") }
        await #expect(throws: DomainError.storageUnavailable) {
            try await storage.put(key: "j", contentType: "text/plain", body: .bytes([1]))
        }
        await #expect(throws: DomainError.storageUnavailable) { try await storage.prepare() }
        storage.setAvailable(true)
        #expect(storage.keys == ["k"])
        #expect(try await storage.get(key: "k") == [1])
    }

    @Test func downloadURLsCarryTheEncodedKeyAndExpiry() throws {
        let storage = InMemoryObjectStorage(baseURL: "http://localhost:8000/objects")
        let url = try storage.downloadURL(
            key: "rooms/r/f/a b.jpg", expiresIn: 3600, at: Date(timeIntervalSince1970: 1000))
        #expect(url == "http://localhost:8000/objects/rooms/r/f/a%20b.jpg?expires=4600")
    }
}
