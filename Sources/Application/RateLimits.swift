package import Domain
package import Foundation

/// How often one person may act, per user across all their connections and REST calls (API.md, Limits).
///
/// Sending a message, editing, deleting, reacting, marking read and application pings all take from one bucket
/// (10 a second, burst 20), so no kind of event is a way around the message limit; typing, which a client sends
/// as someone types, has a small bucket of its own (3 a second, burst 6). The same text more than 3 times a minute
/// in one room is refused as spam (`repeats`). The one place these numbers live.
package struct RateLimits: Sendable {
    /// Messages a second per user, burst twice that; API.md sets 10 (a load test raises it).
    package let messagesPerSecond: Double
    package let actions: RateLimiter
    package let typing: RateLimiter
    package let repeats = RepeatLimiter()
    /// People one message may mention; more is a broadcast, which is what announcements are for.
    package let maximumMentions = 20

    package init(messagesPerSecond: Double = 10, typingPerSecond: Double = 3) {
        self.messagesPerSecond = messagesPerSecond
        self.actions = RateLimiter { TokenBucket(rate: messagesPerSecond, burst: 2 * messagesPerSecond) }
        self.typing = RateLimiter { TokenBucket(rate: typingPerSecond, burst: 2 * typingPerSecond) }
    }

    /// One action (a message, an edit, a reaction ...) by `user`, or `rateLimited` with the seconds to wait.
    package func takeAction(for user: UserID, at now: Date) throws(DomainError) {
        try self.actions.take(for: user, at: now)
    }
}
