package import Application
import Domain
import Foundation
import Testing

/// The behaviour every `ObjectStorage` adapter must show, written once and run against each adapter.
///
/// An adapter's test runs it with one line:
/// ```swift
/// @Test(arguments: ObjectStorageContract.cases)
/// func contract(_ c: ObjectStorageContract.Case) async throws { try await c.run(makeStorage()) }
/// ```
/// Each case works under a fresh random key prefix, so cases run in parallel against one shared bucket.
package enum ObjectStorageContract {
    /// One named behaviour.
    package struct Case: Sendable, CustomTestStringConvertible {
        package let name: String
        /// Whether the case uses keys with spaces, unicode or `+` (moto's verification mode mishandles them).
        package let usesNonASCIIKeys: Bool
        let body: @Sendable (any ObjectStorage, String) async throws -> Void

        package var testDescription: String { self.name }

        /// Prepares the storage, then runs the case under a fresh key prefix.
        package func run(_ storage: any ObjectStorage) async throws {
            try await storage.prepare()
            try await self.body(storage, "contract/\(UUID().uuidString.lowercased())/")
        }
    }

    /// Every case.
    package static let cases: [Case] = [
        Case(name: "put then get returns the same bytes", usesNonASCIIKeys: false) { storage, prefix in
            let bytes = Array("incident photo bytes \u{1F4F7}".utf8)
            try await storage.put(key: prefix + "a.txt", contentType: "text/plain", body: .bytes(bytes))
            #expect(try await storage.get(key: prefix + "a.txt") == bytes)
        },
        Case(name: "an empty object round-trips", usesNonASCIIKeys: false) { storage, prefix in
            try await storage.put(key: prefix + "empty.log", contentType: "text/plain", body: .bytes([]))
            #expect(try await storage.get(key: prefix + "empty.log") == [])
            #expect(try await storage.head(key: prefix + "empty.log")?.size == 0)
        },
        Case(name: "every byte value survives", usesNonASCIIKeys: false) { storage, prefix in
            let bytes = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
            try await storage.put(key: prefix + "bin", contentType: "application/octet-stream", body: .bytes(bytes))
            #expect(try await storage.get(key: prefix + "bin") == bytes)
        },
        Case(name: "a file body stores exactly its range", usesNonASCIIKeys: false) { storage, prefix in
            let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
            let path = try Self.temporaryFile(bytes)
            defer { unlink(path) }
            try await storage.put(
                key: prefix + "range.pdf", contentType: "application/pdf",
                body: .file(path: path, offset: 1000, length: 200_000))
            #expect(try await storage.get(key: prefix + "range.pdf") == Array(bytes[1000..<201_000]))
        },
        Case(name: "head reports size and content type", usesNonASCIIKeys: false) { storage, prefix in
            try await storage.put(key: prefix + "p.png", contentType: "image/png", body: .bytes([1, 2, 3, 4, 5]))
            let info = try await storage.head(key: prefix + "p.png")
            #expect(info?.size == 5)
            #expect(info?.contentType == "image/png")
        },
        Case(name: "head of a missing object is nil", usesNonASCIIKeys: false) { storage, prefix in
            let info = try await storage.head(key: prefix + "missing")
            #expect(info == nil)
        },
        Case(name: "get of a missing object is notFound", usesNonASCIIKeys: false) { storage, prefix in
            do {
                _ = try await storage.get(key: prefix + "missing")
                Issue.record("get of a missing object returned")
            } catch let error as DomainError {
                guard case .notFound = error else {
                    Issue.record("expected notFound, got \(error)")
                    return
                }
            }
        },
        Case(name: "delete removes the object", usesNonASCIIKeys: false) { storage, prefix in
            try await storage.put(key: prefix + "d.txt", contentType: "text/plain", body: .bytes([1]))
            try await storage.delete(key: prefix + "d.txt")
            #expect(try await storage.head(key: prefix + "d.txt") == nil)
        },
        Case(name: "deleting a missing object succeeds", usesNonASCIIKeys: false) { storage, prefix in
            try await storage.delete(key: prefix + "never-there")
        },
        Case(name: "put replaces an existing object", usesNonASCIIKeys: false) { storage, prefix in
            try await storage.put(key: prefix + "o.csv", contentType: "text/csv", body: .bytes([1, 2, 3]))
            try await storage.put(key: prefix + "o.csv", contentType: "text/plain", body: .bytes([9]))
            #expect(try await storage.get(key: prefix + "o.csv") == [9])
            #expect(try await storage.head(key: prefix + "o.csv")?.contentType == "text/plain")
        },
        Case(name: "keys with spaces, unicode, plus and reserved characters", usesNonASCIIKeys: true) {
            storage, prefix in
            let names = ["defect photo 1.jpg", "溫度記錄.csv", "a+b=c&d.txt", "~tilde_(1)!'.log", "👩‍🔧 ünï.png"]
            for (index, name) in names.enumerated() {
                try await storage.put(key: prefix + name, contentType: "text/plain", body: .bytes([UInt8(index)]))
            }
            for (index, name) in names.enumerated() {
                #expect(try await storage.get(key: prefix + name) == [UInt8(index)], "\(name)")
            }
        },
        Case(name: "prepare is idempotent", usesNonASCIIKeys: false) { storage, _ in
            try await storage.prepare()
            try await storage.prepare()
        },
        Case(name: "download URLs differ per key and are absolute", usesNonASCIIKeys: false) { storage, prefix in
            let now = Date(timeIntervalSince1970: 1_795_255_200)
            let a = try storage.downloadURL(key: prefix + "a.jpg", expiresIn: 3600, at: now)
            let b = try storage.downloadURL(key: prefix + "b.jpg", expiresIn: 3600, at: now)
            #expect(a != b)
            #expect(a.contains("://"))
        },
    ]

    /// The cases whose keys are plain ASCII.
    package static var asciiKeyCases: [Case] { Self.cases.filter { !$0.usesNonASCIIKeys } }

    /// Writes bytes to a new file under the temporary directory and returns its path.
    package static func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("object-contract-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return path
    }
}
