import Application
import Domain
import JWT
import Testing

/// Random damage to a valid token: every variant is refused, whatever byte changes where.
struct HMACTokenServiceMutationTests {
    @Test func everySingleByteMutationIsRefused() throws {
        let service = try HMACTokenServiceTests.service()
        let token = Array(try service.issue(for: HMACTokenServiceTests.alice, at: HMACTokenServiceTests.now).token.utf8)
        var generator = SplitMix64(seed: 0x5EED)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \u{0}".utf8)
        var refused = 0
        for _ in 0..<2_000 {
            var mutated = token
            let index = Int(generator.next() % UInt64(mutated.count))
            let replacement = alphabet[Int(generator.next() % UInt64(alphabet.count))]
            guard mutated[index] != replacement else { continue }
            mutated[index] = replacement
            let text = String(decoding: mutated, as: UTF8.self)
            #expect(throws: DomainError.unauthorized) { try service.verify(text, at: HMACTokenServiceTests.now) }
            refused += 1
        }
        #expect(refused > 1_600)
    }

    @Test func randomBytesAreRefused() throws {
        let service = try HMACTokenServiceTests.service()
        var generator = SplitMix64(seed: 42)
        for _ in 0..<1_000 {
            let length = Int(generator.next() % 300)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(throws: DomainError.unauthorized) { try service.verify(text, at: HMACTokenServiceTests.now) }
        }
    }

    @Test func truncationsAndExtensionsAreRefused() throws {
        let service = try HMACTokenServiceTests.service()
        let token = try service.issue(for: HMACTokenServiceTests.alice, at: HMACTokenServiceTests.now).token
        for length in 0..<token.utf8.count {
            let prefix = String(decoding: Array(token.utf8.prefix(length)), as: UTF8.self)
            #expect(throws: DomainError.unauthorized) { try service.verify(prefix, at: HMACTokenServiceTests.now) }
        }
        for suffix in ["A", "AA", ".", "=", " ", "\n", ".e30"] {
            #expect(throws: DomainError.unauthorized) {
                try service.verify(token + suffix, at: HMACTokenServiceTests.now)
            }
        }
    }
}

/// A small deterministic generator, so a failure reproduces.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var value = self.state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
