import Application
import Domain
import Foundation
import TestSupport
import Testing

/// Read markers, receipts, unread counts, mentions, pins, the search across rooms and announcements, on the use
/// cases with the in-memory stores and a manual clock.
struct CatchingUpTests {
    let app = TestApp()

    var receipts: ReadReceiptPublisher { ReadReceiptPublisher(self.app.deps) }

    var readReceiptsPublished: [LiveEvent] {
        self.app.bus.events.filter { if case .readReceipt = $0 { true } else { false } }
    }

    // MARK: - Read markers

    @Test func readingMovesTheMarkerForwardOnlyAndTellsTheRoomOncePerSecond() async throws {
        let room = try await self.app.room()
        for index in 1...3 { try await self.app.send("step \(index)", by: TestApp.owner, to: room.id) }
        let publisher = self.receipts
        let read = MarkRoomRead(self.app.deps, receipts: publisher)
        // A VIEWER may mark read; the room has 6 messages (3 system, 3 text).
        let marker = try await read(room.id, upTo: 4, by: TestApp.viewer)
        #expect(marker.lastReadSequence == 4 && marker.readAt == self.app.clock.now())
        #expect(
            self.readReceiptsPublished == [
                .readReceipt(
                    room: room.id, user: TestApp.viewer.userID, displayName: "Chen Mei", lastReadSequence: 4,
                    at: TestApp.start)
            ])
        // Backwards and sideways change nothing and publish nothing.
        #expect(try await read(room.id, upTo: 2, by: TestApp.viewer).lastReadSequence == 4)
        #expect(try await read(room.id, upTo: 4, by: TestApp.viewer).lastReadSequence == 4)
        // Within the second: stored at once, announced later, the latest value.
        self.app.clock.advance(by: 0.3)
        #expect(try await read(room.id, upTo: 5, by: TestApp.viewer).lastReadSequence == 5)
        #expect(try await read(room.id, upTo: 999, by: TestApp.viewer).lastReadSequence == 6)
        #expect(self.readReceiptsPublished.count == 1)
        await publisher.flush()
        #expect(self.readReceiptsPublished.count == 1)
        self.app.clock.advance(by: 0.7)
        await publisher.flush()
        #expect(
            self.readReceiptsPublished.last
                == .readReceipt(
                    room: room.id, user: TestApp.viewer.userID, displayName: "Chen Mei", lastReadSequence: 6,
                    at: TestApp.start.addingTimeInterval(0.3)))
        #expect(self.readReceiptsPublished.count == 2)
    }

    @Test func readingChecksAccessAndTheNumber() async throws {
        let room = try await self.app.room()
        let read = MarkRoomRead(self.app.deps, receipts: self.receipts)
        await expect(.validationFailed(field: "sequence_number", reason: "must be a whole number ≥ 0")) {
            try await read(room.id, upTo: -1, by: TestApp.viewer)
        }
        await expect(.forbidden) { try await read(room.id, upTo: 1, by: TestApp.outsider) }
        await expect(.notFound("Room")) { try await read(RoomID(uuid: UUID()), upTo: 1, by: TestApp.viewer) }
        // An admin who is not a member keeps a marker for their counts, but is no member to announce.
        #expect(try await read(room.id, upTo: 3, by: TestApp.admin).lastReadSequence == 3)
        #expect(self.readReceiptsPublished.isEmpty)
        let receipts = try await ListReadReceipts(self.app.deps)(room.id, by: TestApp.viewer)
        #expect(receipts.map(\.userID) == [TestApp.owner, TestApp.editor, TestApp.viewer].map(\.userID))
        // The owner's own system messages moved their marker; nobody else has read.
        #expect(receipts.map(\.lastReadSequence) == [3, 0, 0])
        #expect(receipts.map { $0.readAt == nil } == [false, true, true])
    }

    @Test func theRoomListCountsUnreadMessagesAndMentionsForTheCaller() async throws {
        let room = try await self.app.room()
        let quiet = try await self.app.room(title: "Quiet")
        _ = try await MarkRoomRead(self.app.deps, receipts: self.receipts)(quiet.id, upTo: 99, by: TestApp.editor)
        try await self.app.send("@Wang Wei please check", by: TestApp.owner, to: room.id)
        let removed = try await self.app.send("wrong room", by: TestApp.owner, to: room.id)
        _ = try await DeleteMessage(self.app.deps)(removed.id, by: TestApp.owner)
        let list = ListRooms(self.app.deps)
        let all = try await list(ListRooms.Filter(), by: TestApp.editor)
        let states = Dictionary(uniqueKeysWithValues: all.rooms.map { ($0.room.id, $0.readState) })
        // 1-3 system, 4 the mention (5 deleted): the editor's own `added` message is by the owner, so it counts.
        #expect(states[room.id] == ReadState(lastReadSequence: 0, unreadCount: 4, mentionCount: 1))
        #expect(states[quiet.id] == ReadState(lastReadSequence: 3, unreadCount: 0, mentionCount: 0))
        let unread = try await list(ListRooms.Filter(unreadOnly: true), by: TestApp.editor)
        #expect(unread.rooms.map(\.room.id) == [room.id] && unread.total == 1)
        let single = try await GetRoom(self.app.deps)(room.id, by: TestApp.editor)
        #expect(single.readState == states[room.id])
        // Reading past the mention marks its notification read.
        #expect(try await self.app.notifications(of: TestApp.editor, kind: .mention).map(\.readAt) == [nil])
        _ = try await MarkRoomRead(self.app.deps, receipts: self.receipts)(room.id, upTo: 4, by: TestApp.editor)
        #expect(try await self.app.notifications(of: TestApp.editor, kind: .mention).map(\.readAt) == [TestApp.start])
    }

    // MARK: - Mentions and search across rooms

    @Test func mentionsAcrossRoomsPageNewestFirstWithAnOpaqueCursor() async throws {
        let a = try await self.app.room(title: "Press 7")
        let b = try await self.app.room(title: "Oven 2")
        var sent: [Message] = []
        for (index, room) in [a, b, a].enumerated() {
            self.app.clock.advance(by: 10)
            sent.append(
                try await self.app.send("@Chen Mei step \(index)", by: TestApp.editor, to: room.id))
        }
        let list = ListMentions(self.app.deps)
        let first = try await list(after: nil, limit: 2, by: TestApp.viewer)
        #expect(first.messages.map(\.id) == [sent[2].id, sent[1].id])
        let next = try #require(first.next)
        let token = next.token
        #expect(MentionCursor(token: token) == next)
        #expect(!token.contains("\(next.messageID)"))
        let second = try await list(after: MentionCursor(token: token), limit: 2, by: TestApp.viewer)
        #expect(second.messages.map(\.id) == [sent[0].id] && !second.hasMore && second.next == nil)
        await expect(.invalidParameter(name: "limit", reason: "must be 1 to 200")) {
            try await list(after: nil, limit: 0, by: TestApp.viewer)
        }
        for bad in ["", "x", "%%%", "bm90LWEtY3Vyc29y", String(repeating: "A", count: 200)] {
            #expect(MentionCursor(token: bad) == nil, "\(bad)")
        }
        // History of one room, filtered to the mentions of a user.
        let history = try await ReadHistory(self.app.deps)(
            a.id,
            HistoryQuery(
                direction: .newestFirst(beforeSequence: nil, beforeTime: nil), limit: 50,
                mentioning: TestApp.viewer.userID), by: TestApp.owner)
        #expect(history.messages.map(\.id) == [sent[2].id, sent[0].id])
    }

    @Test func theSearchAcrossRoomsCoversTheCallersRoomsAndNamesEachRoom() async throws {
        let mine = try await self.app.room(title: "Hydraulic leak")
        let theirs = try await CreateRoom(self.app.deps)(
            CreateRoom.Request(title: "Other line", incidentType: .other, severity: .low), by: TestApp.outsider)
        self.app.clock.advance(by: 1)
        try await self.app.send("pressure <low> at pump", by: TestApp.owner, to: mine.id)
        self.app.clock.advance(by: 1)
        _ = try await SendMessage(self.app.deps)(
            SendMessage.Request(content: .string("PRESSURE fine")), to: theirs.room.id, by: TestApp.outsider)
        let search = SearchAllRooms(self.app.deps)
        let (hits, total) = try await search(query: " pressure ", limit: 20, offset: 0, by: TestApp.viewer)
        #expect(total == 1)
        #expect(hits.map(\.roomTitle) == ["Hydraulic leak"])
        #expect(hits.first?.highlight == "<mark>pressure</mark> &lt;low&gt; at pump")
        let admin = try await search(query: "pressure", limit: 20, offset: 0, by: TestApp.admin)
        #expect(admin.hits.map(\.roomTitle) == ["Other line", "Hydraulic leak"])
        await expect(code: "invalid_request") { try await search(query: "p", limit: 20, offset: 0, by: TestApp.viewer) }
        await expect(code: "invalid_request") { try await search(query: "pr", limit: 0, offset: 0, by: TestApp.viewer) }
    }

    // MARK: - Pins

    @Test func ownersAndEditorsPinAndTheRoomHearsOfIt() async throws {
        let room = try await self.app.room()
        let message = try await self.app.send("belt replaced, running again", to: room.id)
        self.app.bus.clear()
        let pin = PinMessage(self.app.deps)
        let pinned = try await pin(message.id, pinned: true, by: TestApp.editor)
        #expect(pinned.changed && pinned.message.pinnedBy == TestApp.editor.userID)
        #expect(pinned.message.pinnedAt == TestApp.start && pinned.message.rev > message.rev)
        #expect(self.app.bus.events == [.messagePinned(pinned.message)])
        #expect(try await pin(message.id, pinned: true, by: TestApp.owner).changed == false)
        #expect(self.app.bus.events.count == 1)
        #expect(try await ListPins(self.app.deps)(room.id, by: TestApp.viewer).map(\.id) == [message.id])
        let unpinned = try await pin(message.id, pinned: false, by: TestApp.admin)
        #expect(unpinned.changed && self.app.bus.events.last == .messageUnpinned(unpinned.message))

        await expect(.insufficientPermissions) { try await pin(message.id, pinned: true, by: TestApp.viewer) }
        await expect(.forbidden) { try await pin(message.id, pinned: true, by: TestApp.outsider) }
        await expect(.notFound("Message")) { try await pin(MessageID(uuid: UUID()), pinned: true, by: TestApp.owner) }
        let deleted = try await self.app.send("typo", to: room.id)
        _ = try await DeleteMessage(self.app.deps)(deleted.id, by: TestApp.editor)
        await expect(code: "conflict") { try await pin(deleted.id, pinned: true, by: TestApp.owner) }
        _ = try await UpdateRoom(self.app.deps)(room.id, changes: RoomChanges(status: .archived), by: TestApp.owner)
        await expect(.roomArchived) { try await pin(message.id, pinned: true, by: TestApp.owner) }
    }

    @Test func theReportOpensWithTheKeyEventsAndMarksThemInTheTimeline() async throws {
        let room = try await self.app.room()
        self.app.clock.advance(by: 120)
        let cause = try await self.app.send("Root cause: worn splice", to: room.id)
        try await self.app.send("coffee?", to: room.id)
        self.app.clock.advance(by: 60)
        _ = try await PinMessage(self.app.deps)(cause.id, pinned: true, by: TestApp.owner)
        let report = try await GenerateReport(self.app.deps, timeZone: TimeZone(identifier: "Asia/Taipei")!) { _ in ""
        }(
            room.id, by: TestApp.viewer)
        let keyEvents = try #require(report.range(of: "## Key events\n\n"))
        let timeline = try #require(report.range(of: "## Timeline\n\n"))
        #expect(keyEvents.upperBound < timeline.lowerBound)
        #expect(
            report[keyEvents.upperBound...].hasPrefix(
                "- **2026-11-21 18:02:00** #4 *(pinned by 林小明)* Wang Wei: Root cause: worn splice\n"))
        #expect(report.contains("- **2026-11-21 18:02:00** #4 *(pinned)* Wang Wei: Root cause: worn splice\n"))
        #expect(report.contains("- **2026-11-21 18:02:00** #5 Wang Wei: coffee?\n"))
        let empty = try await GenerateReport(self.app.deps, timeZone: TimeZone(identifier: "UTC")!) { _ in "" }(
            try await self.app.room(title: "Nothing pinned").id, by: TestApp.owner)
        #expect(empty.contains("## Key events\n\n*No message is pinned.*\n"))
    }

    // MARK: - Announcements and people

    @Test func onlyAdminsAnnounceAndEveryoneSeesTheLastDay() async throws {
        let post = PostAnnouncement(self.app.deps)
        await expect(.insufficientPermissions) {
            try await post(message: "drill", severity: .info, by: TestApp.owner)
        }
        for bad in ["", "   ", String(repeating: "a", count: 1_001), "bell\u{07}"] {
            await expect(code: "validation_failed") { try await post(message: bad, severity: .info, by: TestApp.admin) }
        }
        let drill = try await post(message: "Fire drill at 14:00", severity: .warning, by: TestApp.admin)
        #expect(self.app.bus.events == [.announcement(drill)])
        self.app.clock.advance(by: 3600)
        let outage = try await post(
            message: String(repeating: "停", count: 1_000), severity: .critical, by: TestApp.admin)
        let list = ListAnnouncements(self.app.deps)
        #expect(try await list(by: TestApp.viewer) == [outage, drill])
        self.app.clock.advance(by: 23 * 3600 + 1)
        #expect(try await list(by: TestApp.viewer) == [outage])
    }

    @Test func peopleComeFromTheDirectoryAndFromSignInsOnce() async throws {
        self.app.directory.add(username: "wang", password: "x", displayName: "Wang Wei", email: "Wang@Plant.example")
        self.app.directory.add(username: "wanda", password: "x", displayName: "Wanda Li", email: "wanda@plant.example")
        _ = try await self.app.deps.users.upsert(
            User(
                id: UserID("wang@plant.example"), displayName: "Wang (old name)", email: "wang@plant.example",
                isAdmin: false))
        _ = try await self.app.deps.users.upsert(
            User(
                id: UserID("ex.wan@plant.example"), displayName: "Ex Wan", email: "ex.wan@plant.example",
                isAdmin: false))
        let search = SearchPeople(self.app.deps)
        let people = try await search(query: "wan", limit: 20, by: TestApp.viewer)
        // Names that start with the query first; the directory's name wins over the one seen at sign-in.
        #expect(people.map(\.displayName) == ["Wanda Li", "Wang Wei", "Ex Wan"])
        #expect(people.map(\.userID.rawValue) == ["wanda@plant.example", "wang@plant.example", "ex.wan@plant.example"])
        #expect(try await search(query: "wan", limit: 1, by: TestApp.viewer).count == 1)
        await expect(code: "invalid_request") { try await search(query: "w", limit: 20, by: TestApp.viewer) }
        await expect(code: "invalid_request") { try await search(query: " w ", limit: 20, by: TestApp.viewer) }
        await expect(code: "invalid_request") { try await search(query: "wang", limit: 51, by: TestApp.viewer) }
        await expect(code: "invalid_request") { try await search(query: "wa\u{0}", limit: 5, by: TestApp.viewer) }
        self.app.directory.setReachable(false)
        await expect(.directoryUnavailable) { try await search(query: "wang", limit: 20, by: TestApp.viewer) }
    }
}
