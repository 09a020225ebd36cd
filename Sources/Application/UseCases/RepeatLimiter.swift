package import Domain
package import Foundation
import Synchronization

/// Refuses the same text from one person in one room more than `allowed` times within `window` (the spam rule of
/// docs/SECURITY.md): a stuck script or a pasted flood stops at the fourth copy, while a person who answers "ok"
/// three times in a minute never notices.
package final class RepeatLimiter: Sendable {
    private struct Key: Hashable {
        var user: UserID
        var room: RoomID
        /// The text's hash, not the text: 10 KB messages are not kept for a minute per sender.
        var text: Int
    }

    /// A copy, and the client id it came with: a retry of the same client id is not another copy.
    private struct Copy {
        var time: TimeInterval
        var clientID: String?
    }

    package let allowed: Int
    package let window: TimeInterval
    private struct State {
        var sent: [Key: [Copy]] = [:]
        /// The size at which the next sweep runs: twice what the last one kept (at least 10 000), so sweeping costs
        /// O(1) per message however many distinct texts the last minute holds (a sweep at every message past a
        /// fixed size cost 65 % of the server's CPU at 5 000 messages a second).
        var sweepAt = 10_000
    }

    private let state = Mutex(State())

    /// How many (user, room, text) keys are kept (tests: the table stays bounded).
    package var trackedKeys: Int { self.state.withLock { $0.sent.count } }

    package init(allowed: Int = 3, window: TimeInterval = 60) {
        self.allowed = allowed
        self.window = window
    }

    /// Counts `text` for `user` in `room`, or throws `rateLimited` with the seconds until the oldest copy ages out.
    /// A retry that carries the client id of a copy already counted passes uncounted (the store answers it as a
    /// duplicate).
    package func record(_ text: String, clientID: String?, by user: UserID, in room: RoomID, at now: Date)
        throws(DomainError)
    {
        let time = now.timeIntervalSinceReferenceDate
        let cutoff = time - self.window
        let key = Key(user: user, room: room, text: text.hashValue)
        let wait: TimeInterval? = self.state.withLock { state in
            // Keys whose copies have all aged out are dropped once the table grows, so it stays about the size of
            // the last minute's distinct messages.
            if state.sent.count >= state.sweepAt {
                state.sent = state.sent.filter { ($0.value.last?.time ?? 0) > cutoff }
                state.sweepAt = max(10_000, 2 * state.sent.count)
            }
            var copies = state.sent[key, default: []].filter { $0.time > cutoff }
            if let clientID, copies.contains(where: { $0.clientID == clientID }) { return nil }
            guard copies.count < self.allowed else { return copies[0].time - cutoff }
            copies.append(Copy(time: time, clientID: clientID))
            state.sent[key] = copies
            return nil
        }
        if let wait {
            throw .rateLimited(retryAfterSeconds: max(1, Int(wait.rounded(.up))))
        }
    }
}
