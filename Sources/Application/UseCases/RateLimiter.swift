package import Domain
package import Foundation
import Synchronization

/// One token bucket per user, shared by REST and WebSocket (`RateLimits` says which buckets there are).
package final class RateLimiter: Sendable {
    private let buckets = Mutex<[UserID: TokenBucket]>([:])
    private let makeBucket: @Sendable () -> TokenBucket

    package init(makeBucket: @escaping @Sendable () -> TokenBucket) {
        self.makeBucket = makeBucket
    }

    /// Takes a token for `user`, or throws `rateLimited` with the seconds until one is there.
    package func take(for user: UserID, at now: Date) throws(DomainError) {
        let time = now.timeIntervalSinceReferenceDate
        let decision = self.buckets.withLock { buckets in
            if buckets.count > 10_000 { buckets = buckets.filter { !$0.value.isIdle(at: time) } }
            return buckets[user, default: self.makeBucket()].take(at: time)
        }
        if case .refused(let retryAfter) = decision {
            throw .rateLimited(retryAfterSeconds: max(1, Int(retryAfter.rounded(.up))))
        }
    }
}
