import Application
import Domain
import Foundation
import Testing

/// The spam rule keeps working, and its table stays bounded, when a minute holds many distinct messages.
struct RepeatLimiterTests {
    let room = RoomID(uuid: UUID())
    let user = UserID("op@example.com")

    @Test func theFourthCopyIsRefusedAmongTensOfThousandsOfOtherTexts() throws {
        let limiter = RepeatLimiter()
        let start = Date(timeIntervalSince1970: 1_796_000_000)
        for i in 0..<25_000 {
            try limiter.record("reading \(i)", clientID: nil, by: self.user, in: self.room, at: start)
        }
        for _ in 0..<3 { try limiter.record("line stopped", clientID: nil, by: self.user, in: self.room, at: start) }
        #expect(throws: DomainError.rateLimited(retryAfterSeconds: 60)) {
            try limiter.record("line stopped", clientID: nil, by: self.user, in: self.room, at: start)
        }
        // A minute later the old copies have aged out: the text passes again, and the sweep forgets the rest.
        let later = start.addingTimeInterval(61)
        for i in 0..<20_000 {
            try limiter.record("later \(i)", clientID: nil, by: self.user, in: self.room, at: later)
        }
        try limiter.record("line stopped", clientID: nil, by: self.user, in: self.room, at: later)
        #expect(limiter.trackedKeys <= 2 * 20_001 + 1)
        #expect(limiter.trackedKeys < 25_000 + 20_001, "the aged-out keys were swept")
    }
}
