import Application
import Domain
import Foundation
import TestSupport
import Testing

struct ReadHistoryTests {
    let app = TestApp()

    func read(
        _ room: RoomID, _ direction: HistoryQuery.Direction, limit: Int, kind: MessageKind? = nil,
        by principal: Principal = TestApp.viewer
    ) async throws -> HistoryPage {
        try await ReadHistory(self.app.deps)(
            room, HistoryQuery(direction: direction, limit: limit, kind: kind), by: principal)
    }

    /// A room whose messages are numbered 1 (the opening) to 12: two member_added, then m1...m9.
    func roomWithNineMessages() async throws -> RoomID {
        let room = try await self.app.room()
        for index in 1...9 { try await self.app.send("m\(index)", to: room.id) }
        return room.id
    }

    @Test(arguments: [0, 201, -1])
    func limitsOutsideOneTo200AreInvalid(_ limit: Int) async throws {
        let room = try await self.app.room()
        await expect(code: "invalid_request") {
            try await self.read(room.id, .newestFirst(beforeSequence: nil, beforeTime: nil), limit: limit)
        }
        await expect(code: "invalid_request") {
            try await self.read(room.id, .oldestFirst(afterSequence: 0), limit: limit)
        }
    }

    @Test func negativeCursorsAreInvalid() async throws {
        let room = try await self.app.room()
        await expect(code: "invalid_request") {
            try await self.read(room.id, .newestFirst(beforeSequence: -1, beforeTime: nil), limit: 10)
        }
        await expect(code: "invalid_request") {
            try await self.read(room.id, .oldestFirst(afterSequence: -1), limit: 10)
        }
    }

    @Test func newestFirstPagesWalkBackExclusively() async throws {
        let room = try await self.roomWithNineMessages()
        let first = try await self.read(room, .newestFirst(beforeSequence: nil, beforeTime: nil), limit: 5)
        #expect(first.messages.map(\.sequenceNumber) == [12, 11, 10, 9, 8])
        #expect(first.hasMore)
        let second = try await self.read(room, .newestFirst(beforeSequence: 8, beforeTime: nil), limit: 5)
        #expect(second.messages.map(\.sequenceNumber) == [7, 6, 5, 4, 3])
        #expect(second.hasMore)
        let last = try await self.read(room, .newestFirst(beforeSequence: 3, beforeTime: nil), limit: 5)
        #expect(last.messages.map(\.sequenceNumber) == [2, 1])
        #expect(!last.hasMore)
    }

    @Test func oldestFirstPagesWalkForwardExclusively() async throws {
        let room = try await self.roomWithNineMessages()
        let page = try await self.read(room, .oldestFirst(afterSequence: 9), limit: 2)
        #expect(page.messages.map(\.sequenceNumber) == [10, 11])
        #expect(page.hasMore)
        let end = try await self.read(room, .oldestFirst(afterSequence: 11), limit: 2)
        #expect(end.messages.map(\.sequenceNumber) == [12])
        #expect(!end.hasMore)
        let past = try await self.read(room, .oldestFirst(afterSequence: 12), limit: 200)
        #expect(past.messages.isEmpty)
        #expect(!past.hasMore)
    }

    @Test func aPageExactlyAsLongAsTheRestHasNoMore() async throws {
        let room = try await self.roomWithNineMessages()
        let page = try await self.read(room, .newestFirst(beforeSequence: nil, beforeTime: nil), limit: 12)
        #expect(page.messages.count == 12)
        #expect(!page.hasMore)
    }

    @Test func filtersByKindAndTime() async throws {
        let room = try await self.roomWithNineMessages()
        let system = try await self.read(
            room, .newestFirst(beforeSequence: nil, beforeTime: nil), limit: 50, kind: .system)
        #expect(system.messages.map(\.sequenceNumber) == [3, 2, 1])
        self.app.clock.advance(by: 10)
        try await self.app.send("later", by: TestApp.owner, to: room)
        let before = try await self.read(
            room, .newestFirst(beforeSequence: nil, beforeTime: TestApp.start.addingTimeInterval(10)), limit: 50)
        #expect(before.messages.first?.sequenceNumber == 12)
    }

    @Test func membersAndAdminsReadOthersAreForbidden() async throws {
        let room = try await self.roomWithNineMessages()
        #expect(
            try await self.read(room, .oldestFirst(afterSequence: 0), limit: 1, by: TestApp.admin).messages.count == 1)
        await expect(.forbidden) {
            try await self.read(room, .oldestFirst(afterSequence: 0), limit: 1, by: TestApp.outsider)
        }
        await expect(.notFound("Room")) {
            try await self.read(RoomID(uuid: UUID()), .oldestFirst(afterSequence: 0), limit: 1, by: TestApp.admin)
        }
    }

    @Test func getMessageChecksTheRoom() async throws {
        let room = try await self.roomWithNineMessages()
        let other = try await self.app.room(title: "Other")
        let message = try await self.app.send("here", to: room)
        #expect(try await GetMessage(self.app.deps)(message.id, in: room, by: TestApp.viewer) == message)
        await expect(.notFound("Message")) {
            try await GetMessage(self.app.deps)(message.id, in: other.id, by: TestApp.viewer)
        }
        await expect(.forbidden) { try await GetMessage(self.app.deps)(message.id, by: TestApp.outsider) }
    }
}

struct CatchUpTests {
    let app = TestApp()

    @Test func aClientThatLeftGetsNewMessagesThenOlderChangesInChangeOrder() async throws {
        let room = try await self.app.room()
        let a = try await self.app.send("a", to: room.id)
        let b = try await self.app.send("b", to: room.id)
        let c = try await self.app.send("c", to: room.id)
        let d = try await self.app.send("d", to: room.id)
        // The client saw everything up to here, then its connection dropped.
        let seen = try await self.app.currentRoom(room.id)
        var client = Dictionary(uniqueKeysWithValues: try await self.app.timeline(room.id).map { ($0.id, $0) })

        self.app.clock.advance(by: 5)
        _ = try await ReactToMessage(self.app.deps)(c.id, emoji: "👍", action: .added, by: TestApp.owner)
        _ = try await EditMessage(self.app.deps)(a.id, content: .string("a (fixed)"), by: TestApp.editor)
        let e = try await self.app.send("e", to: room.id)
        _ = try await DeleteMessage(self.app.deps)(b.id, by: TestApp.owner)
        let f = try await self.app.send("f", to: room.id)
        _ = try await EditMessage(self.app.deps)(e.id, content: .string("e (fixed)"), by: TestApp.editor)
        _ = try await ReactToMessage(self.app.deps)(c.id, emoji: "🎉", action: .added, by: TestApp.editor)
        let now = try await self.app.currentRoom(room.id)

        let result = try await CatchUp(self.app.deps)(
            room.id, lastSequence: seen.lastSequenceNumber, lastRev: seen.rev, by: TestApp.viewer)

        // New messages first, in sequence order, as they are now.
        #expect(result.messages.map(\.id) == [e.id, f.id])
        #expect(result.messages.first?.content == .text("e (fixed)"))
        // Then the older ones changed since, each once, in the order of their last change.
        #expect(result.changed.map(\.id) == [a.id, b.id, c.id])
        #expect(result.changed[0].content == .text("a (fixed)"))
        #expect(result.changed[1].isDeleted)
        #expect(result.changed[2].reactions.map(\.emoji) == ["👍", "🎉"])
        #expect(!result.changed.contains { $0.id == d.id })
        #expect(result.lastSequenceNumber == now.lastSequenceNumber)
        #expect(result.rev == now.rev)

        // Applying it brings a client to exactly what a fresh reader sees.
        for message in result.messages + result.changed { client[message.id] = message }
        let fresh = try await self.app.timeline(room.id)
        #expect(fresh.map { client[$0.id] } == fresh.map { Optional($0) })
    }

    @Test func withLastSeqAloneOnlyNewMessagesAreReplayed() async throws {
        let room = try await self.app.room()
        let a = try await self.app.send("a", to: room.id)
        let seen = try await self.app.currentRoom(room.id)
        _ = try await EditMessage(self.app.deps)(a.id, content: .string("a2"), by: TestApp.editor)
        let b = try await self.app.send("b", to: room.id)
        let result = try await CatchUp(self.app.deps)(
            room.id, lastSequence: seen.lastSequenceNumber, lastRev: nil, by: TestApp.viewer)
        #expect(result.messages.map(\.id) == [b.id])
        #expect(result.changed.isEmpty)
        #expect(result.lastSequenceNumber == b.sequenceNumber)
    }

    @Test func aClientThatMissedNothingGetsNothing() async throws {
        let room = try await self.app.room()
        try await self.app.send("a", to: room.id)
        let seen = try await self.app.currentRoom(room.id)
        let result = try await CatchUp(self.app.deps)(
            room.id, lastSequence: seen.lastSequenceNumber, lastRev: seen.rev, by: TestApp.viewer)
        #expect(result.messages.isEmpty)
        #expect(result.changed.isEmpty)
        #expect(result.lastSequenceNumber == seen.lastSequenceNumber)
        #expect(result.rev == seen.rev)
    }

    @Test func aNewClientGetsTheWholeTimeline() async throws {
        let room = try await self.app.room()
        for index in 1...250 {
            if index % 20 == 0 { self.app.clock.advance(by: 2) }
            try await self.app.send(
                "m\(index)", by: index.isMultiple(of: 2) ? TestApp.editor : TestApp.owner, to: room.id)
        }
        let result = try await CatchUp(self.app.deps)(room.id, lastSequence: 0, lastRev: 0, by: TestApp.viewer)
        #expect(result.messages.map(\.sequenceNumber) == Array(1...(room.lastSequenceNumber + 250)))
        #expect(result.changed.isEmpty)
    }

    /// A client that claims more than the room has (a stale or confused client) is told the room's real counters,
    /// so it does not drop the next messages as already seen.
    @Test func aClientAheadOfTheRoomIsToldTheRealCounters() async throws {
        let room = try await self.app.room()
        let result = try await CatchUp(self.app.deps)(room.id, lastSequence: 1_000, lastRev: 1_000, by: TestApp.viewer)
        #expect(result.messages.isEmpty)
        #expect(result.changed.isEmpty)
        #expect(result.lastSequenceNumber == room.lastSequenceNumber)
        #expect(result.rev == room.rev)
    }

    @Test func negativeCountersAreInvalidAndOutsidersForbidden() async throws {
        let room = try await self.app.room()
        await expect(code: "invalid_request") {
            try await CatchUp(self.app.deps)(room.id, lastSequence: -1, lastRev: nil, by: TestApp.viewer)
        }
        await expect(code: "invalid_request") {
            try await CatchUp(self.app.deps)(room.id, lastSequence: 0, lastRev: -1, by: TestApp.viewer)
        }
        await expect(.forbidden) {
            try await CatchUp(self.app.deps)(room.id, lastSequence: 0, lastRev: 0, by: TestApp.outsider)
        }
    }
}

struct SearchMessagesTests {
    let app = TestApp()

    func search(
        _ room: RoomID, _ query: String, limit: Int = 20, offset: Int = 0, by principal: Principal = TestApp.viewer
    )
        async throws -> (hits: [SearchMessages.Hit], total: Int)
    {
        try await SearchMessages(self.app.deps)(room, query: query, limit: limit, offset: offset, by: principal)
    }

    @Test func findsCaseInsensitiveMatchesNewestFirstWithEscapedHighlights() async throws {
        let room = try await self.app.room()
        let first = try await self.app.send("Belt <b>B2</b> & motor stopped", to: room.id)
        try await self.app.send("nothing to see", to: room.id)
        let second = try await self.app.send("BELT restarted", by: TestApp.owner, to: room.id)
        let result = try await self.search(room.id, "belt")
        // The opening message mentions the belt too ("Conveyor belt B2 stopped").
        #expect(result.total == 3)
        #expect(result.hits.map(\.message.id).prefix(2) == [second.id, first.id])
        #expect(result.hits[0].highlight == "<mark>BELT</mark> restarted")
        #expect(result.hits[1].highlight == "<mark>Belt</mark> &lt;b&gt;B2&lt;/b&gt; &amp; motor stopped")
    }

    @Test func findsChineseText() async throws {
        let room = try await self.app.room()
        let message = try await self.app.send("三號線輸送帶停止，請確認", to: room.id)
        let result = try await self.search(room.id, "輸送帶")
        #expect(result.hits.map(\.message.id) == [message.id])
        #expect(result.hits.first?.highlight == "三號線<mark>輸送帶</mark>停止，請確認")
        #expect(try await self.search(room.id, "送帶").total == 1)
    }

    @Test func deletedMessagesAndReadingsAreNotSearched() async throws {
        let room = try await self.app.room()
        let gone = try await self.app.send("pressure alarm", to: room.id)
        _ = try await DeleteMessage(self.app.deps)(gone.id, by: TestApp.editor)
        _ = try await self.app.sendMessage(
            SendMessage.Request(kind: .incidentData, content: .object(["pressure alarm": .number(1)])), to: room.id,
            by: TestApp.editor)
        #expect(try await self.search(room.id, "pressure").total == 0)
    }

    @Test func pagesWithLimitAndOffset() async throws {
        let room = try await self.app.room()
        for index in 1...5 { try await self.app.send("valve \(index)", to: room.id) }
        let page = try await self.search(room.id, "valve", limit: 2, offset: 1)
        #expect(page.total == 5)
        #expect(page.hits.map(\.message.content) == [.text("valve 4"), .text("valve 3")])
    }

    @Test(arguments: ["", "a", " a ", "林", String(repeating: "x", count: 201), "a\u{0}b"])
    func queriesMustBeTwoTo200Characters(_ query: String) async throws {
        let room = try await self.app.room()
        await expect(code: "invalid_request") { try await self.search(room.id, query) }
    }

    @Test(arguments: [(0, 0), (201, 0), (20, -1)])
    func limitsAreChecked(_ limit: Int, _ offset: Int) async throws {
        let room = try await self.app.room()
        await expect(code: "invalid_request") { try await self.search(room.id, "belt", limit: limit, offset: offset) }
    }

    @Test func onlyMembersAndAdminsSearch() async throws {
        let room = try await self.app.room()
        await expect(.forbidden) { try await self.search(room.id, "belt", by: TestApp.outsider) }
        #expect(try await self.search(room.id, "belt", by: TestApp.admin).total == 1)
    }
}
