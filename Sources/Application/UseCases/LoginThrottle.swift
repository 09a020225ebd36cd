package import Foundation
import Synchronization

/// Locks out brute force: after 5 failures for one username, or 20 from one client address, within 5 minutes,
/// every login for that username or address is refused until the window ends, even with the right password.
///
/// The window slides: any `maximum` failures less than `window` apart lock, and the lock lasts until the oldest of
/// them is `window` old (a fixed slot starting at the first failure would let 4 failures at its end and more at the
/// start of the next one through).
package final class LoginThrottle: Sendable {
    package let maximumPerUsername: Int
    package let maximumPerAddress: Int
    package let window: TimeInterval
    /// The most recent failures per key, oldest first, at most the key's maximum of them.
    private let state = Mutex<(usernames: [String: [Date]], addresses: [String: [Date]])>(([:], [:]))

    package init(maximumPerUsername: Int = 5, maximumPerAddress: Int = 20, window: TimeInterval = 300) {
        self.maximumPerUsername = maximumPerUsername
        self.maximumPerAddress = maximumPerAddress
        self.window = window
    }

    /// Seconds until the lock on this username or address ends, or nil when a login may be tried.
    package func retryAfter(username: String, address: String, at now: Date) -> Int? {
        self.state.withLock { state in
            let locks = [
                Self.lock(
                    state.usernames[username.lowercased()] ?? [], limit: self.maximumPerUsername, window: self.window,
                    now: now),
                Self.lock(state.addresses[address] ?? [], limit: self.maximumPerAddress, window: self.window, now: now),
            ].compactMap { $0 }
            return locks.max()
        }
    }

    package func recordFailure(username: String, address: String, at now: Date) {
        self.state.withLock { state in
            Self.record(now, in: &state.usernames, key: username.lowercased(), limit: self.maximumPerUsername)
            Self.record(now, in: &state.addresses, key: address, limit: self.maximumPerAddress)
            // Forget finished windows now and then, so the table cannot grow without bound.
            if state.usernames.count + state.addresses.count > 10_000 {
                let isRecent = { (failures: [Date]) in
                    failures.last.map { now.timeIntervalSince($0) < self.window } ?? false
                }
                state.usernames = state.usernames.filter { isRecent($0.value) }
                state.addresses = state.addresses.filter { isRecent($0.value) }
            }
        }
    }

    package func recordSuccess(username: String) {
        self.state.withLock { state in _ = state.usernames.removeValue(forKey: username.lowercased()) }
    }

    private static func record(_ now: Date, in table: inout [String: [Date]], key: String, limit: Int) {
        var failures = table[key] ?? []
        failures.append(now)
        // Only the last `limit` failures decide a lock.
        if failures.count > limit { failures.removeFirst(failures.count - limit) }
        table[key] = failures
    }

    /// Locked while `limit` failures lie within the window before `now`: until the oldest of them is `window` old.
    private static func lock(_ failures: [Date], limit: Int, window: TimeInterval, now: Date) -> Int? {
        guard limit > 0, failures.count >= limit else { return nil }
        let oldest = failures[failures.count - limit]
        let remaining = window - now.timeIntervalSince(oldest)
        return remaining > 0 ? max(1, Int(remaining.rounded(.up))) : nil
    }
}
