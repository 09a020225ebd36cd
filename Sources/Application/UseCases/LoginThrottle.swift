package import Foundation
import Synchronization

/// Locks out brute force: after 5 failures for one username, or 20 from one client address, within 5 minutes,
/// every login for that username or address is refused until the window ends, even with the right password.
package final class LoginThrottle: Sendable {
    private struct Window {
        var started: Date
        var failures: Int
    }

    package let maximumPerUsername: Int
    package let maximumPerAddress: Int
    package let window: TimeInterval
    private let state = Mutex<(usernames: [String: Window], addresses: [String: Window])>(([:], [:]))

    package init(maximumPerUsername: Int = 5, maximumPerAddress: Int = 20, window: TimeInterval = 300) {
        self.maximumPerUsername = maximumPerUsername
        self.maximumPerAddress = maximumPerAddress
        self.window = window
    }

    /// Seconds until the lock on this username or address ends, or nil when a login may be tried.
    package func retryAfter(username: String, address: String, at now: Date) -> Int? {
        self.state.withLock { state in
            let locks = [
                Self.lock(state.usernames[username.lowercased()], limit: self.maximumPerUsername, window: self.window, now: now),
                Self.lock(state.addresses[address], limit: self.maximumPerAddress, window: self.window, now: now),
            ].compactMap { $0 }
            return locks.max()
        }
    }

    package func recordFailure(username: String, address: String, at now: Date) {
        self.state.withLock { state in
            Self.count(&state.usernames, key: username.lowercased(), window: self.window, now: now)
            Self.count(&state.addresses, key: address, window: self.window, now: now)
            // Forget finished windows now and then, so the table cannot grow without bound.
            if state.usernames.count + state.addresses.count > 10_000 {
                state.usernames = state.usernames.filter { now.timeIntervalSince($0.value.started) < self.window }
                state.addresses = state.addresses.filter { now.timeIntervalSince($0.value.started) < self.window }
            }
        }
    }

    package func recordSuccess(username: String) {
        self.state.withLock { state in _ = state.usernames.removeValue(forKey: username.lowercased()) }
    }

    private static func count(_ table: inout [String: Window], key: String, window: TimeInterval, now: Date) {
        if let current = table[key], now.timeIntervalSince(current.started) < window {
            table[key]!.failures += 1
        } else {
            table[key] = Window(started: now, failures: 1)
        }
    }

    private static func lock(_ entry: Window?, limit: Int, window: TimeInterval, now: Date) -> Int? {
        guard let entry, entry.failures >= limit else { return nil }
        let remaining = window - now.timeIntervalSince(entry.started)
        return remaining > 0 ? max(1, Int(remaining.rounded(.up))) : nil
    }
}
