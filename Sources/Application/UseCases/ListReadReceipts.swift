package import Domain
package import Foundation

/// How far every member of a room has read ("seen by" message n: the members whose marker is at least n).
package struct ListReadReceipts: Sendable {
    package struct Entry: Hashable, Sendable {
        package var userID: UserID
        package var displayName: String
        /// 0 before a first read.
        package var lastReadSequence: Int64
        package var readAt: Date?
    }

    let deps: Dependencies

    package init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// One entry per member, in member order; members and admins may ask.
    package func callAsFunction(_ roomID: RoomID, by principal: Principal) async throws -> [Entry] {
        _ = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        let members = try await self.deps.membersWithCurrentNames(of: roomID)
        let markers = try await self.deps.rooms.readMarkers(in: roomID)
        return members.map { member in
            let marker = markers[member.userID]
            return Entry(
                userID: member.userID, displayName: member.displayName,
                lastReadSequence: marker?.lastReadSequence ?? 0, readAt: marker?.readAt)
        }
    }
}
