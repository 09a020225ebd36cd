import Foundation
@testable import Server
import Testing

struct SecureRandomIDGeneratorTests {
    @Test func idsAreDistinctVersionFourUUIDs() {
        let generator = SecureRandomIDGenerator()
        let ids = (0..<10_000).map { _ in generator.next() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(100) {
            let text = id.uuidString.lowercased()
            let characters = Array(text)
            #expect(characters[14] == "4", "\(text)")
            #expect("89ab".contains(characters[19]), "\(text)")
        }
    }
}
