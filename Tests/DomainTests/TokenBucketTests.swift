import Domain
import Testing

struct TokenBucketTests {
    @Test func allowsABurstOfTwentyThenRefuses() {
        var bucket = TokenBucket(rate: 10, burst: 20)
        for index in 1...20 { #expect(bucket.take(at: 0) == .allowed, "message \(index)") }
        #expect(bucket.take(at: 0) == .refused(retryAfter: 0.1))
        #expect(bucket.take(at: 0) == .refused(retryAfter: 0.1))
    }

    @Test func refillsTenTokensASecond() {
        var bucket = TokenBucket(rate: 10, burst: 20)
        for _ in 1...20 { _ = bucket.take(at: 100) }
        // Half a second later: five tokens.
        for index in 1...5 { #expect(bucket.take(at: 100.5) == .allowed, "token \(index)") }
        guard case .refused(let retryAfter) = bucket.take(at: 100.5) else {
            Issue.record("the sixth message after 0.5 s should be refused")
            return
        }
        #expect(abs(retryAfter - 0.1) < 1e-9)
        // A full second later: ten more.
        for index in 1...10 { #expect(bucket.take(at: 101.5) == .allowed, "token \(index)") }
        #expect(bucket.take(at: 101.5) != .allowed)
    }

    @Test func retryAfterSaysWhenTheNextTokenIsThere() {
        var bucket = TokenBucket(rate: 10, burst: 20)
        for _ in 1...20 { _ = bucket.take(at: 0) }
        guard case .refused(let retryAfter) = bucket.take(at: 0.05) else {
            Issue.record("should be refused")
            return
        }
        #expect(abs(retryAfter - 0.05) < 1e-9)
        #expect(bucket.take(at: 0.05 + retryAfter + 1e-9) == .allowed)
    }

    @Test func neverSavesUpMoreThanTheBurst() {
        var bucket = TokenBucket(rate: 10, burst: 20)
        _ = bucket.take(at: 0)
        for index in 1...20 { #expect(bucket.take(at: 3600) == .allowed, "token \(index)") }
        #expect(bucket.take(at: 3600) != .allowed)
    }

    @Test func aClockGoingBackwardsGivesNoTokens() {
        var bucket = TokenBucket(rate: 10, burst: 20)
        for _ in 1...20 { _ = bucket.take(at: 50) }
        #expect(bucket.take(at: 10) != .allowed)
        #expect(bucket.take(at: 50) != .allowed)
    }

    @Test func isIdleOnceFullAgain() {
        var bucket = TokenBucket(rate: 10, burst: 20)
        #expect(bucket.isIdle(at: 0))
        for _ in 1...20 { _ = bucket.take(at: 0) }
        #expect(!bucket.isIdle(at: 1.9))
        #expect(bucket.isIdle(at: 2))
    }
}
