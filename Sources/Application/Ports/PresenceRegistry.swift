package import Domain
package import Foundation

/// Who is connected to which room, and who is typing.
///
/// A user is online in a room while any of their connections to it is open, on any server process that shares the
/// registry. Connection ids are unique within one process; an adapter shared by processes tells them apart itself.
package protocol PresenceRegistry: Sendable {
    /// Records a connection; true when it is the user's first in the room (announce `user_joined`).
    func connect(_ connection: UInt64, user: UserID, displayName: String, room: RoomID, at: Date) async -> Bool
    /// Forgets a connection; true when it was the user's last in the room (announce `user_left`).
    func disconnect(_ connection: UInt64, user: UserID, room: RoomID) async -> Bool
    func online(in room: RoomID) async -> [PresenceEntry]
    /// Sets or clears typing; true when the state changed (announce it).
    func setTyping(_ isTyping: Bool, user: UserID, displayName: String, room: RoomID, at: Date) async -> Bool
    func typing(in room: RoomID) async -> [PresenceEntry]
    /// Clears typing states last refreshed at or before `cutoff` and returns them (announce `is_typing: false`).
    func expireTyping(refreshedBefore cutoff: Date) async -> [(room: RoomID, entry: PresenceEntry)]
    /// Keeps this process's connections alive and forgets those of processes that stopped doing so (killed, or cut
    /// off from the registry for longer than the adapter's expiry); returns the users whose last connection anywhere
    /// that was (announce `user_left`). Run about once a second. A registry of one process has nothing to expire.
    func expireStaleConnections(at now: Date) async -> [(room: RoomID, entry: PresenceEntry)]
}

package struct PresenceEntry: Hashable, Sendable {
    package var userID: UserID
    package var displayName: String
    /// When the user's first open connection opened, or when they last typed.
    package var since: Date

    package init(userID: UserID, displayName: String, since: Date) {
        self.userID = userID
        self.displayName = displayName
        self.since = since
    }
}
