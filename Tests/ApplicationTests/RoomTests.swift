import Application
import Domain
import Foundation
import TestSupport
import Testing

struct CreateRoomTests {
    let app = TestApp()

    @Test func theCreatorBecomesOwnerAndTheOpeningIsMessageOne() async throws {
        let view = try await CreateRoom(self.app.deps)(
            CreateRoom.Request(
                title: "  Press 4 leaking oil ", incidentType: .equipmentFailure, severity: .critical,
                location: "Hall B", description: "Oil under press 4", lots: ["LOT-1", "LOT-2"]),
            by: TestApp.owner)
        let room = view.room
        #expect(view.myRole == .owner)
        #expect(room.title == "Press 4 leaking oil")
        #expect(room.status == .active)
        #expect(room.severity == .critical)
        #expect(room.lots == ["LOT-1", "LOT-2"])
        #expect(room.createdBy == TestApp.owner.userID)
        #expect(room.createdAt == TestApp.start)
        #expect(room.lastSequenceNumber == 1)
        #expect(room.memberCount == 1)

        let members = try await self.app.deps.rooms.members(of: room.id)
        #expect(members.map(\.userID) == [TestApp.owner.userID])
        #expect(members.map(\.role) == [.owner])
        #expect(members.first?.displayName == "林小明")

        let timeline = try await self.app.timeline(room.id)
        let opening = try #require(timeline.first)
        #expect(timeline.count == 1)
        #expect(opening.sequenceNumber == 1)
        #expect(opening.kind == .system)
        #expect(opening.senderID == TestApp.owner.userID)
        #expect(opening.content == .text("林小明 opened the incident \"Press 4 leaking oil\""))
        #expect(
            opening.metadata?.json
                == #"{"event":"room_created","actor":"lin@plant.example","data":{"title":"Press 4 leaking oil","severity":"critical"}}"#
        )
        #expect(self.app.bus.events == [.messageCreated(opening)])
    }

    @Test(arguments: [
        CreateRoom.Request(title: "", incidentType: .other, severity: .low),
        CreateRoom.Request(title: "two\nlines", incidentType: .other, severity: .low),
        CreateRoom.Request(title: String(repeating: "x", count: 201), incidentType: .other, severity: .low),
        CreateRoom.Request(title: "ok", incidentType: .other, severity: .low, location: "a\tb"),
        CreateRoom.Request(title: "ok", incidentType: .other, severity: .low, description: "bell\u{7}"),
        CreateRoom.Request(title: "ok", incidentType: .other, severity: .low, lots: [""]),
    ])
    func invalidFieldsStoreNothing(_ request: CreateRoom.Request) async throws {
        await expect(code: "validation_failed") { try await CreateRoom(self.app.deps)(request, by: TestApp.owner) }
        let (rooms, total) = try await self.app.deps.rooms.rooms(matching: RoomQuery(memberID: nil))
        #expect(rooms.isEmpty)
        #expect(total == 0)
        #expect(self.app.bus.events.isEmpty)
    }
}

struct ListRoomsTests {
    let app = TestApp()

    func open(_ title: String, by principal: Principal, severity: Severity = .high) async throws -> RoomID {
        self.app.clock.advance(by: 1)
        return try await CreateRoom(self.app.deps)(
            CreateRoom.Request(title: title, incidentType: .qualityIssue, severity: severity), by: principal
        ).room.id
    }

    @Test func aMemberSeesTheirOwnRoomsAndAnAdminSeesAll() async throws {
        let mine = try await self.open("Scratches on housings", by: TestApp.owner)
        let theirs = try await self.open("Glue shortage", by: TestApp.editor)
        let shared = try await self.open("Label misprint", by: TestApp.editor)
        _ = try await AddMember(self.app.deps)(TestApp.owner.userID, role: .viewer, to: shared, by: TestApp.editor)

        let forOwner = try await ListRooms(self.app.deps)(ListRooms.Filter(), by: TestApp.owner)
        #expect(forOwner.total == 2)
        #expect(Set(forOwner.rooms.map(\.room.id)) == [mine, shared])
        #expect(forOwner.rooms.first { $0.room.id == shared }?.myRole == .viewer)
        #expect(forOwner.rooms.first { $0.room.id == mine }?.myRole == .owner)

        let forAdmin = try await ListRooms(self.app.deps)(ListRooms.Filter(), by: TestApp.admin)
        #expect(forAdmin.total == 3)
        #expect(Set(forAdmin.rooms.map(\.room.id)) == [mine, theirs, shared])
        #expect(forAdmin.rooms.allSatisfy { $0.myRole == nil })

        let forOutsider = try await ListRooms(self.app.deps)(ListRooms.Filter(), by: TestApp.outsider)
        #expect(forOutsider.rooms.isEmpty)
        #expect(forOutsider.total == 0)
    }

    @Test func filtersAndPages() async throws {
        var ids: [RoomID] = []
        for index in 1...5 {
            ids.append(
                try await self.open(
                    "Room \(index)", by: TestApp.owner, severity: index.isMultiple(of: 2) ? .low : .high))
        }
        let page = try await ListRooms(self.app.deps)(ListRooms.Filter(limit: 2, offset: 1), by: TestApp.owner)
        #expect(page.total == 5)
        // Newest activity first.
        #expect(page.rooms.map(\.room.id) == [ids[3], ids[2]])
        let low = try await ListRooms(self.app.deps)(ListRooms.Filter(severity: .low), by: TestApp.owner)
        #expect(Set(low.rooms.map(\.room.id)) == [ids[1], ids[3]])
        let text = try await ListRooms(self.app.deps)(ListRooms.Filter(text: "room 5"), by: TestApp.owner)
        #expect(text.rooms.map(\.room.id) == [ids[4]])
    }

    @Test(arguments: [(0, 0), (201, 0), (-1, 0), (20, -1)])
    func limitsOutsideTheRangeAreInvalid(_ limit: Int, _ offset: Int) async {
        await expect(code: "invalid_request") {
            try await ListRooms(self.app.deps)(ListRooms.Filter(limit: limit, offset: offset), by: TestApp.owner)
        }
    }

    @Test(arguments: [1, 200])
    func limitsAtTheEdgesAreFine(_ limit: Int) async throws {
        _ = try await self.open("Only room", by: TestApp.owner)
        let result = try await ListRooms(self.app.deps)(ListRooms.Filter(limit: limit), by: TestApp.owner)
        #expect(result.rooms.count == 1)
    }
}

struct GetRoomTests {
    let app = TestApp()

    @Test func membersAndAdminsSeeTheRoomOthersAreForbidden() async throws {
        let room = try await self.app.room()
        #expect(try await GetRoom(self.app.deps)(room.id, by: TestApp.viewer).myRole == .viewer)
        let asAdmin = try await GetRoom(self.app.deps)(room.id, by: TestApp.admin)
        #expect(asAdmin.myRole == nil)
        #expect(asAdmin.room.memberCount == 3)
        await expect(.forbidden) { try await GetRoom(self.app.deps)(room.id, by: TestApp.outsider) }
        await expect(.notFound("Room")) {
            try await GetRoom(self.app.deps)(RoomID(uuid: UUID()), by: TestApp.admin)
        }
    }
}

struct UpdateRoomTests {
    let app = TestApp()

    func update(_ room: RoomID, _ changes: RoomChanges, by principal: Principal = TestApp.owner) async throws -> Room {
        try await UpdateRoom(self.app.deps)(room, changes: changes, by: principal).room
    }

    @Test func theOwnerChangesFieldsAndOneSystemMessageRecordsThem() async throws {
        let room = try await self.app.room()
        self.app.clock.advance(by: 60)
        let updated = try await self.update(
            room.id, RoomChanges(title: "Belt B2 torn", severity: .critical, location: "Line 3", lots: ["LOT-9"]))
        #expect(updated.title == "Belt B2 torn")
        #expect(updated.severity == .critical)
        #expect(updated.lots == ["LOT-9"])
        #expect(updated.updatedAt == TestApp.start.addingTimeInterval(60))
        #expect(updated.lastSequenceNumber == room.lastSequenceNumber + 1)

        let messages = self.app.bus.createdMessages
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        #expect(message.kind == .system)
        #expect(message.sequenceNumber == updated.lastSequenceNumber)
        // "Line 3" did not change, so it is not reported.
        #expect(
            message.metadata?.json
                == #"{"event":"room_updated","actor":"lin@plant.example","data":{"title":"Belt B2 torn","severity":"critical","lots":["LOT-9"]}}"#
        )
        #expect(message.content?.text?.hasPrefix("林小明 updated the ") == true)
        #expect(try await self.app.timeline(room.id).last == message)
        #expect(self.app.bus.notifications.isEmpty)
    }

    @Test func aStatusChangeIsOneStatusChangedMessageAndNotifiesEveryoneButTheActor() async throws {
        let room = try await self.app.room()
        let updated = try await self.update(room.id, RoomChanges(status: .resolved))
        #expect(updated.status == .resolved)
        #expect(updated.resolvedAt == TestApp.start)

        let messages = self.app.bus.createdMessages
        #expect(messages.count == 1)
        #expect(
            messages.first?.metadata?.json
                == #"{"event":"status_changed","actor":"lin@plant.example","data":{"from":"active","to":"resolved"}}"#)
        #expect(messages.first?.content == .text("林小明 changed the status from active to resolved"))

        for member in [TestApp.editor, TestApp.viewer] {
            let notices = try await self.app.notifications(of: member, kind: .statusChanged)
            #expect(notices.count == 1)
            #expect(notices.first?.kind == .statusChanged)
            #expect(notices.first?.reference == .room(room.id))
        }
        #expect(try await self.app.notifications(of: TestApp.owner, kind: .statusChanged).isEmpty)
        #expect(Set(self.app.bus.notifications.map(\.userID)) == [TestApp.editor.userID, TestApp.viewer.userID])
    }

    /// One PATCH, one message: a field changed with the status is still on the timeline.
    @Test func fieldsChangedWithTheStatusAreRecordedInTheStatusMessage() async throws {
        let room = try await self.app.room()
        let updated = try await self.update(
            room.id, RoomChanges(title: "Belt B2 replaced", severity: .low, status: .resolved))
        #expect(updated.severity == .low)
        #expect(updated.title == "Belt B2 replaced")
        let messages = self.app.bus.createdMessages
        #expect(messages.count == 1)
        #expect(
            messages.first?.metadata?.json
                == #"{"event":"status_changed","actor":"lin@plant.example","data":{"from":"active","to":"resolved","title":"Belt B2 replaced","severity":"low"}}"#
        )
        #expect(
            messages.first?.content
                == .text("林小明 changed the status from active to resolved and updated the title, severity"))
    }

    @Test func anAdminWhoIsNotAMemberMayChangeTheRoomAndEveryMemberHearsOfIt() async throws {
        let room = try await self.app.room()
        let updated = try await self.update(room.id, RoomChanges(status: .archived), by: TestApp.admin)
        #expect(updated.status == .archived)
        #expect(self.app.bus.createdMessages.first?.senderID == TestApp.admin.userID)
        #expect(
            Set(self.app.bus.notifications.map(\.userID))
                == [TestApp.owner.userID, TestApp.editor.userID, TestApp.viewer.userID])
    }

    @Test func editorsViewersAndOutsidersMayNot() async throws {
        let room = try await self.app.room()
        await expect(.insufficientPermissions) {
            try await self.update(room.id, RoomChanges(title: "x"), by: TestApp.editor)
        }
        await expect(.insufficientPermissions) {
            try await self.update(room.id, RoomChanges(title: "x"), by: TestApp.viewer)
        }
        await expect(.forbidden) { try await self.update(room.id, RoomChanges(title: "x"), by: TestApp.outsider) }
        #expect(try await self.app.currentRoom(room.id) == room)
        #expect(self.app.bus.events.isEmpty)
    }

    static let transitions: [(RoomStatus, [RoomStatus], RoomStatus)] = [
        (.active, [], .resolved), (.active, [], .archived), (.resolved, [.resolved], .active),
        (.resolved, [.resolved], .archived),
    ]

    @Test(arguments: Self.transitions)
    func allowedTransitions(_ from: RoomStatus, _ path: [RoomStatus], _ to: RoomStatus) async throws {
        let room = try await self.app.room()
        for step in path { _ = try await self.update(room.id, RoomChanges(status: step)) }
        self.app.bus.clear()
        let updated = try await self.update(room.id, RoomChanges(status: to))
        #expect(updated.status == to)
        #expect(
            self.app.bus.createdMessages.map { $0.metadata?["data"] }
                == [.object(["from": .string(from.rawValue), "to": .string(to.rawValue)])])
    }

    @Test(arguments: RoomStatus.allCases)
    func anArchivedRoomIsFinal(_ next: RoomStatus) async throws {
        let room = try await self.app.room()
        let archived = try await self.update(room.id, RoomChanges(status: .archived))
        self.app.bus.clear()
        await expect(code: "conflict") { try await self.update(room.id, RoomChanges(status: next)) }
        await expect(code: "conflict") { try await self.update(room.id, RoomChanges(title: "Renamed")) }
        await expect(code: "conflict") { try await self.update(room.id, RoomChanges(status: next), by: TestApp.admin) }
        #expect(try await self.app.currentRoom(room.id) == archived)
        #expect(self.app.bus.events.isEmpty)
    }

    @Test func aNoOpPatchStoresNothing() async throws {
        let room = try await self.app.room()
        let same = try await self.update(
            room.id,
            RoomChanges(
                title: room.title, severity: room.severity, status: room.status, location: room.location,
                description: room.description, lots: room.lots))
        #expect(same == room)
        let empty = try await self.update(room.id, RoomChanges())
        #expect(empty == room)
        #expect(try await self.app.currentRoom(room.id) == room)
        #expect(self.app.bus.events.isEmpty)
    }

    @Test func reopeningClearsTheResolvedTime() async throws {
        let room = try await self.app.room()
        _ = try await self.update(room.id, RoomChanges(status: .resolved))
        let reopened = try await self.update(room.id, RoomChanges(status: .active))
        #expect(reopened.resolvedAt == nil)
        #expect(
            self.app.bus.createdMessages.map(\.content) == [
                .text("林小明 changed the status from active to resolved"),
                .text("林小明 changed the status from resolved to active"),
            ])
    }

    @Test func invalidFieldsAreRefusedBeforeAnythingIsStored() async throws {
        let room = try await self.app.room()
        await expect(code: "validation_failed") { try await self.update(room.id, RoomChanges(title: "a\nb")) }
        await expect(code: "validation_failed") { try await self.update(room.id, RoomChanges(title: "  ")) }
        await expect(code: "validation_failed") {
            try await self.update(room.id, RoomChanges(lots: Array(repeating: "L", count: 51)))
        }
        #expect(try await self.app.currentRoom(room.id) == room)
        #expect(self.app.bus.events.isEmpty)
    }
}

struct RoomFieldTrimmingTests {
    let app = TestApp()

    @Test func aRenamedTitleIsTrimmedLikeANewOne() async throws {
        let room = try await self.app.room()
        let updated = try await UpdateRoom(self.app.deps)(
            room.id, changes: RoomChanges(title: "  Belt B2 torn  "), by: TestApp.owner)
        #expect(updated.room.title == "Belt B2 torn")
        #expect(self.app.bus.createdMessages.first?.metadata?["data"] == .object(["title": .string("Belt B2 torn")]))
        // Padding around the same title is no change at all.
        self.app.bus.clear()
        _ = try await UpdateRoom(self.app.deps)(
            room.id, changes: RoomChanges(title: " Belt B2 torn "), by: TestApp.owner)
        #expect(self.app.bus.events.isEmpty)
    }
}
