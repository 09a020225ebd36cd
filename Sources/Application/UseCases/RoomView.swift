package import Domain
import Foundation

/// A room as one caller sees it.
package struct RoomView: Hashable, Sendable {
    package var room: Room
    /// The caller's membership role; nil for an admin who is not a member.
    package var myRole: Role?
    /// The caller's read marker and unread counts in the room.
    package var readState: ReadState

    package init(room: Room, myRole: Role?, readState: ReadState) {
        self.room = room
        self.myRole = myRole
        self.readState = readState
    }
}
