import Application
import Domain
import Foundation
import Postgres

/// Builders for rooms and messages in store tests.
struct StoreFixture: Sendable {
    let stores: PostgresStores
    var now = Date(timeIntervalSince1970: 1_795_000_000)

    func makeRoom(owner: String = "owner@example.com", title: String = "Line 3 press down") async throws -> Room {
        let roomID = RoomID(uuid: UUID())
        let ownerID = UserID(owner)
        let (room, _) = try await self.stores.rooms.create(
            NewRoom(
                id: roomID, title: title, incidentType: .equipmentFailure, severity: .high, location: "Hall B",
                description: "Hydraulic leak", lots: ["LOT-1", "LOT-2"], createdBy: ownerID, createdAt: self.now),
            owner: Member(roomID: roomID, userID: ownerID, displayName: "Owner", role: .owner, addedAt: self.now),
            announcement: self.newMessage(
                in: roomID, sender: owner, kind: .system, content: .text("Owner created the room"),
                metadata: ["event": .string("room_created")]))
        return room
    }

    func newText(in room: Room, sender: String, text: String, clientID: String? = nil, at: Date? = nil) -> NewMessage {
        self.newMessage(in: room.id, sender: sender, kind: .text, content: .text(text), clientID: clientID, at: at)
    }

    func newMessage(
        in roomID: RoomID, sender: String, kind: MessageKind, content: MessageContent, metadata: JSONObject? = nil,
        mentions: [UserID] = [], file: StoredFile? = nil, clientID: String? = nil, at: Date? = nil
    ) -> NewMessage {
        NewMessage(
            id: MessageID(uuid: UUID()), roomID: roomID, senderID: UserID(sender), senderDisplayName: sender,
            kind: kind, content: content, metadata: metadata, mentions: mentions, file: file, clientID: clientID,
            createdAt: at ?? self.now)
    }
}
