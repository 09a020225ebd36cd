package import Foundation
import Synchronization

/// Locks out brute force: after 5 failures for one username, or 20 from one client address, within 5 minutes,
/// every login for that username or address is refused until the window ends, even with the right password.
///
/// The window slides: any `maximum` failures less than `window` apart lock, and the lock lasts until the oldest of
/// them is `window` old (a fixed slot starting at the first failure would let 4 failures at its end and more at the
/// start of the next one through).
///
/// An attempt is counted as a failure *before* the directory is asked (`begin`), in the same lock as the check, so
/// concurrent attempts cannot all pass the check before the first failure is recorded; a success or an outage of
/// the directory gives the attempt back (`succeeded`, `refund`).
package final class LoginThrottle: Sendable {
    /// One counted attempt, to give back when it turns out not to be a failure.
    package struct Attempt: Sendable {
        let username: String?
        let address: String
        let at: Date
    }

    /// Usernames longer than this (UTF-8 bytes) are never a key: they cannot be valid, and keying on them would let
    /// one client store kilobytes per attempt. Such attempts count against the address only.
    package static let maximumUsernameBytes = 256

    package let maximumPerUsername: Int
    package let maximumPerAddress: Int
    package let window: TimeInterval
    private struct State {
        /// The most recent failures per key, oldest first, at most the key's maximum of them.
        var usernames: [String: [Date]] = [:]
        var addresses: [String: [Date]] = [:]
        /// The table size at which finished windows are next forgotten: doubles with what survives a sweep, so the
        /// O(n) sweep runs once per n new keys (amortised O(1) per attempt) instead of on every attempt past a size.
        var nextSweep = LoginThrottle.minimumSweepSize
    }
    private static let minimumSweepSize = 10_000
    private let state = Mutex(State())

    package init(maximumPerUsername: Int = 5, maximumPerAddress: Int = 20, window: TimeInterval = 300) {
        self.maximumPerUsername = maximumPerUsername
        self.maximumPerAddress = maximumPerAddress
        self.window = window
    }

    /// Checks the lock and, when not locked, counts the attempt as a failure at once, atomically. Returns the
    /// attempt to give back, or the seconds until the lock ends.
    package func begin(username: String, address: String, at now: Date) -> Result<Attempt, LockedOut> {
        let key = Self.key(username)
        return self.state.withLock { state in
            if let seconds = self.retryAfter(key, address, now, state) { return .failure(LockedOut(seconds: seconds)) }
            self.record(now, username: key, address: address, in: &state)
            return .success(Attempt(username: key, address: address, at: now))
        }
    }

    package struct LockedOut: Error, Sendable {
        package let seconds: Int
    }

    /// The attempt was not the user's failure (the directory could not be reached): it no longer counts.
    package func refund(_ attempt: Attempt) {
        self.state.withLock { state in
            if let key = attempt.username { Self.remove(attempt.at, from: &state.usernames, key: key) }
            Self.remove(attempt.at, from: &state.addresses, key: attempt.address)
        }
    }

    /// The attempt signed in: the username's failures are forgotten and this attempt does not count for the address.
    package func succeeded(_ attempt: Attempt) {
        self.state.withLock { state in
            if let key = attempt.username { state.usernames.removeValue(forKey: key) }
            Self.remove(attempt.at, from: &state.addresses, key: attempt.address)
        }
    }

    /// How many keys are held (for tests: the table must stay bounded).
    package var keyCount: Int { self.state.withLock { $0.usernames.count + $0.addresses.count } }

    private static func key(_ username: String) -> String? {
        username.utf8.count <= Self.maximumUsernameBytes ? username.lowercased() : nil
    }

    /// Seconds until the lock on this username or address ends, or nil when a login may be tried.
    private func retryAfter(_ username: String?, _ address: String, _ now: Date, _ state: State) -> Int? {
        let locks = [
            username.flatMap {
                Self.lock(state.usernames[$0] ?? [], limit: self.maximumPerUsername, window: self.window, now: now)
            },
            Self.lock(state.addresses[address] ?? [], limit: self.maximumPerAddress, window: self.window, now: now),
        ].compactMap { $0 }
        return locks.max()
    }

    private func record(_ now: Date, username: String?, address: String, in state: inout State) {
        if let username { Self.record(now, in: &state.usernames, key: username, limit: self.maximumPerUsername) }
        Self.record(now, in: &state.addresses, key: address, limit: self.maximumPerAddress)
        // Forget finished windows now and then, so the table cannot grow without bound.
        if state.usernames.count + state.addresses.count >= state.nextSweep {
            let isRecent = { (failures: [Date]) in
                failures.last.map { now.timeIntervalSince($0) < self.window } ?? false
            }
            state.usernames = state.usernames.filter { isRecent($0.value) }
            state.addresses = state.addresses.filter { isRecent($0.value) }
            state.nextSweep = max(Self.minimumSweepSize, 2 * (state.usernames.count + state.addresses.count))
        }
    }

    private static func record(_ now: Date, in table: inout [String: [Date]], key: String, limit: Int) {
        var failures = table[key] ?? []
        failures.append(now)
        // Only the last `limit` failures decide a lock.
        if failures.count > limit { failures.removeFirst(failures.count - limit) }
        table[key] = failures
    }

    private static func remove(_ date: Date, from table: inout [String: [Date]], key: String) {
        guard var failures = table[key], let index = failures.lastIndex(of: date) else { return }
        failures.remove(at: index)
        table[key] = failures.isEmpty ? nil : failures
    }

    /// Locked while `limit` failures lie within the window before `now`: until the oldest of them is `window` old.
    private static func lock(_ failures: [Date], limit: Int, window: TimeInterval, now: Date) -> Int? {
        guard limit > 0, failures.count >= limit else { return nil }
        let oldest = failures[failures.count - limit]
        let remaining = window - now.timeIntervalSince(oldest)
        return remaining > 0 ? max(1, Int(remaining.rounded(.up))) : nil
    }
}
