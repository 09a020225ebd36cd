package import Application
import Domain
import Foundation
import Testing

/// The store ports of one adapter, built fresh for a contract case.
package struct StoreBundle: Sendable {
    package var users: any UserStore
    package var rooms: any RoomStore
    package var messages: any MessageStore
    package var files: any FileStore
    package var notifications: any NotificationStore
    package var revocations: any RevocationStore

    package init(
        users: any UserStore, rooms: any RoomStore, messages: any MessageStore, files: any FileStore,
        notifications: any NotificationStore, revocations: any RevocationStore
    ) {
        self.users = users
        self.rooms = rooms
        self.messages = messages
        self.files = files
        self.notifications = notifications
        self.revocations = revocations
    }
}

/// One behaviour every adapter of a store port must show, written against the protocol only.
///
/// An adapter runs a whole suite with one line:
/// `@Test(arguments: MessageStoreContract.cases) func messages(_ c: StoreContract) async throws { try await c.run(makeStores()) }`
package struct StoreContract: Sendable, CustomTestStringConvertible {
    package let name: String
    let body: @Sendable (StoreBundle) async throws -> Void

    init(_ name: String, _ body: @escaping @Sendable (StoreBundle) async throws -> Void) {
        self.name = name
        self.body = body
    }

    package func run(_ stores: StoreBundle) async throws {
        try await self.body(stores)
    }

    package var testDescription: String { self.name }
}

/// Builders the contract cases share. Every case makes its own room and users with fresh ids, so cases may run in
/// parallel against one shared database.
enum Fixture {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    static func user(_ name: String = "user") -> UserID {
        UserID("\(name)-\(UUID().uuidString.prefix(8).lowercased())@example.com")
    }

    static func roomDraft(creator: UserID, title: String = "Conveyor belt stopped", lots: [String] = ["LOT-1"])
        -> NewRoom
    {
        NewRoom(
            id: RoomID(uuid: UUID()), title: title, incidentType: .equipmentFailure, severity: .high,
            location: "Line 3", description: "Belt B2 stopped", lots: lots, createdBy: creator, createdAt: Self.start)
    }

    static func system(_ room: RoomID, actor: UserID, event: String, at date: Date = Self.start) -> NewMessage {
        NewMessage(
            id: MessageID(uuid: UUID()), roomID: room, senderID: actor, senderDisplayName: actor.rawValue,
            kind: .system, content: .text("\(actor) did \(event)"), metadata: ["event": .string(event)],
            createdAt: date)
    }

    static func text(
        _ room: RoomID, from sender: UserID, _ text: String, clientID: String? = nil, at date: Date = Self.start
    ) -> NewMessage {
        NewMessage(
            id: MessageID(uuid: UUID()), roomID: room, senderID: sender, senderDisplayName: sender.rawValue,
            kind: .text, content: .text(text), clientID: clientID, createdAt: date)
    }

    static func readings(_ room: RoomID, from sender: UserID, _ readings: JSONObject, at date: Date = Self.start)
        -> NewMessage
    {
        NewMessage(
            id: MessageID(uuid: UUID()), roomID: room, senderID: sender, senderDisplayName: sender.rawValue,
            kind: .incidentData, content: .readings(readings), createdAt: date)
    }

    /// A new room owned by a new user; its announcement is message 1.
    static func room(in stores: StoreBundle, title: String = "Conveyor belt stopped", lots: [String] = ["LOT-1"])
        async throws -> (room: Room, owner: UserID)
    {
        let owner = Self.user("owner")
        let draft = Self.roomDraft(creator: owner, title: title, lots: lots)
        let member = Member(roomID: draft.id, userID: owner, displayName: "Owner", role: .owner, addedAt: Self.start)
        let (room, _) = try await stores.rooms.create(
            draft, owner: member, announcement: Self.system(draft.id, actor: owner, event: "room_created"))
        return (room, owner)
    }

    @discardableResult
    static func send(_ stores: StoreBundle, _ message: NewMessage) async throws -> Message {
        try #require(try await stores.messages.append([message]).first).message
    }
}
