import Domain
import Foundation

/// Builds the `system` message that records a change to a room on its timeline (API.md: room changes).
struct RoomAnnouncement {
    let deps: Dependencies
    let principal: Principal
    let roomID: RoomID
    let at: Date

    func make(event: String, sentence: String, data: JSONObject) -> NewMessage {
        NewMessage(
            id: MessageID(uuid: self.deps.ids.next()), roomID: self.roomID, senderID: self.principal.userID,
            senderDisplayName: self.principal.displayName, kind: .system, content: .text(sentence),
            metadata: [
                "event": .string(event), "actor": .string(self.principal.userID.rawValue), "data": .object(data),
            ],
            createdAt: self.at)
    }
}
