package import Application
package import Domain
package import Foundation
import Synchronization

/// `PresenceRegistry` for one process: who is connected to which room, and who is typing.
package final class InMemoryPresenceRegistry: PresenceRegistry {
    private struct Connected {
        var displayName: String
        var since: Date
        var connections: Set<UInt64>
    }

    private struct State {
        var online: [RoomID: [UserID: Connected]] = [:]
        var typing: [RoomID: [UserID: PresenceEntry]] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    package func connect(_ connection: UInt64, user: UserID, displayName: String, room: RoomID, at date: Date) async
        -> Bool
    {
        self.state.withLock { state in
            if state.online[room, default: [:]][user] != nil {
                state.online[room]![user]!.connections.insert(connection)
                return false
            }
            state.online[room, default: [:]][user] = Connected(
                displayName: displayName, since: date, connections: [connection])
            return true
        }
    }

    package func disconnect(_ connection: UInt64, user: UserID, room: RoomID) async -> Bool {
        self.state.withLock { state in
            guard var entry = state.online[room]?[user], entry.connections.remove(connection) != nil else {
                return false
            }
            if entry.connections.isEmpty {
                state.online[room]![user] = nil
                if state.online[room]!.isEmpty { state.online[room] = nil }
                state.typing[room]?[user] = nil
                return true
            }
            state.online[room]![user] = entry
            return false
        }
    }

    package func online(in room: RoomID) async -> [PresenceEntry] {
        self.state.withLock { state in
            (state.online[room] ?? [:]).map {
                PresenceEntry(userID: $0.key, displayName: $0.value.displayName, since: $0.value.since)
            }
            .sorted { ($0.since, $0.userID) < ($1.since, $1.userID) }
        }
    }

    package func setTyping(_ isTyping: Bool, user: UserID, displayName: String, room: RoomID, at date: Date) async
        -> Bool
    {
        self.state.withLock { state in
            let wasTyping = state.typing[room]?[user] != nil
            if isTyping {
                state.typing[room, default: [:]][user] = PresenceEntry(
                    userID: user, displayName: displayName, since: date)
            } else {
                state.typing[room]?[user] = nil
            }
            return wasTyping != isTyping
        }
    }

    package func typing(in room: RoomID) async -> [PresenceEntry] {
        self.state.withLock { state in
            (state.typing[room] ?? [:]).values.sorted { ($0.since, $0.userID) < ($1.since, $1.userID) }
        }
    }

    package func expireTyping(refreshedBefore cutoff: Date) async -> [(room: RoomID, entry: PresenceEntry)] {
        self.state.withLock { state in
            var expired: [(room: RoomID, entry: PresenceEntry)] = []
            for (room, users) in state.typing {
                for (user, entry) in users where entry.since <= cutoff {
                    expired.append((room, entry))
                    state.typing[room]![user] = nil
                }
            }
            return expired
        }
    }

    /// Nothing: this registry lives and dies with its one process, so no other process's entries can go stale.
    package func expireStaleConnections(at now: Date) async -> [(room: RoomID, entry: PresenceEntry)] { [] }
}
