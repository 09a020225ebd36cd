package import Domain
package import Foundation
import Synchronization

/// Who may open another live connection: the caps per client address, per user and per room, and the rate of
/// upgrade attempts per client address, counted in this process (every limit has a setting; docs/SECURITY.md).
///
/// Over a cap the upgrade gets 503 `unavailable`, over the attempt rate 429 `rate_limited`; nothing else slows
/// down. A person's tablets, a shift's PCs behind one NAT and a busy room stay well under the defaults; a script
/// that opens sockets in a loop does not.
package final class ConnectionAdmission: Sendable {
    package struct Limits: Sendable, Equatable {
        package var perAddress: Int
        package var perUser: Int
        package var perRoom: Int
        /// Upgrade attempts a second per client address (burst twice that), counted before authentication.
        package var attemptsPerSecond: Double

        package init(perAddress: Int = 1_000, perUser: Int = 20, perRoom: Int = 2_000, attemptsPerSecond: Double = 20) {
            self.perAddress = perAddress
            self.perUser = perUser
            self.perRoom = perRoom
            self.attemptsPerSecond = attemptsPerSecond
        }
    }

    /// One admitted connection; give it back with `release` when the connection ends.
    package struct Ticket: Hashable, Sendable {
        let id: UInt64
        let address: String
        let user: UserID
        let room: RoomID?
    }

    private struct State {
        var nextID: UInt64 = 0
        var open: Set<UInt64> = []
        var perAddress: [String: Int] = [:]
        var perUser: [UserID: Int] = [:]
        var perRoom: [RoomID: Int] = [:]
        var attempts: [String: TokenBucket] = [:]
    }

    package let limits: Limits
    private let state = Mutex(State())

    package init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// An upgrade attempt from `address`, before anything else is looked at; `rateLimited` past the rate.
    package func attempt(from address: String, at now: Date) throws(DomainError) {
        let time = now.timeIntervalSinceReferenceDate
        let decision = self.state.withLock { state -> TokenBucket.Decision in
            // Idle addresses are forgotten now and then, so the table stays as large as the active clients.
            if state.attempts.count > 10_000 { state.attempts = state.attempts.filter { !$0.value.isIdle(at: time) } }
            return state.attempts[
                address,
                default: TokenBucket(rate: self.limits.attemptsPerSecond, burst: 2 * self.limits.attemptsPerSecond)
            ].take(at: time)
        }
        if case .refused(let retryAfter) = decision {
            throw .rateLimited(retryAfterSeconds: max(1, Int(retryAfter.rounded(.up))))
        }
    }

    /// Admits a connection of `user` from `address` (to `room`, for a room socket), or `unavailable` when a cap is
    /// reached.
    package func admit(address: String, user: UserID, room: RoomID?) throws(DomainError) -> Ticket {
        try self.state.withLock { (state) throws(DomainError) -> Ticket in
            guard state.perAddress[address, default: 0] < self.limits.perAddress,
                state.perUser[user, default: 0] < self.limits.perUser,
                room.map({ state.perRoom[$0, default: 0] < self.limits.perRoom }) ?? true
            else { throw .unavailable }
            state.nextID += 1
            state.open.insert(state.nextID)
            state.perAddress[address, default: 0] += 1
            state.perUser[user, default: 0] += 1
            if let room { state.perRoom[room, default: 0] += 1 }
            return Ticket(id: state.nextID, address: address, user: user, room: room)
        }
    }

    /// Gives a connection's place back; releasing a ticket twice changes nothing.
    package func release(_ ticket: Ticket) {
        self.state.withLock { state in
            guard state.open.remove(ticket.id) != nil else { return }
            Self.decrement(&state.perAddress, ticket.address)
            Self.decrement(&state.perUser, ticket.user)
            if let room = ticket.room { Self.decrement(&state.perRoom, room) }
        }
    }

    /// Connections admitted and not released.
    package var openCount: Int { self.state.withLock { $0.open.count } }

    private static func decrement<Key: Hashable>(_ table: inout [Key: Int], _ key: Key) {
        let count = (table[key] ?? 1) - 1
        table[key] = count > 0 ? count : nil
    }
}
