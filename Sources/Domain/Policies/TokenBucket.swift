/// A token bucket: `rate` tokens a second, at most `burst` saved up. Time comes in as seconds, so it is testable.
package struct TokenBucket: Sendable, Equatable {
    package enum Decision: Equatable, Sendable {
        case allowed
        /// Refused; a token will be there after this many seconds.
        case refused(retryAfter: Double)
    }

    package let rate: Double
    package let burst: Double
    private var tokens: Double
    private var updatedAt: Double?

    package init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
        self.tokens = burst
    }

    package mutating func take(at now: Double) -> Decision {
        if let updatedAt, now > updatedAt {
            self.tokens = min(self.burst, self.tokens + (now - updatedAt) * self.rate)
        }
        self.updatedAt = max(now, self.updatedAt ?? now)
        guard self.tokens >= 1 else { return .refused(retryAfter: (1 - self.tokens) / self.rate) }
        self.tokens -= 1
        return .allowed
    }

    /// Whether the bucket is full again at `now`, so a limiter can forget it.
    package func isIdle(at now: Double) -> Bool {
        guard let updatedAt else { return true }
        return self.tokens + (now - updatedAt) * self.rate >= self.burst
    }
}
