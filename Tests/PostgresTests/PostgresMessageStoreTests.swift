import Application
import Domain
import Foundation
import Postgres
import TestSupport
import Testing

@Suite(TestEnvironment.requires("TEST_DATABASE_URL"))
struct PostgresMessageStoreTests {
    @Test(.timeLimit(.minutes(2)))
    func fiftyConcurrentSendersFromTwoProcessesGetConsecutiveNumbers() async throws {
        let database = try await PostgresTestDatabase.make(poolSize: 10, maxOverflow: 10)
        defer { database.pool.close() }
        let secondPool = database.secondPool(poolSize: 10, maxOverflow: 10)
        defer { secondPool.close() }
        let processes = [PostgresStores(pool: database.pool), PostgresStores(pool: secondPool)]
        let fixture = StoreFixture(stores: processes[0])
        let room = try await fixture.makeRoom()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in 0..<50 {
                group.addTask {
                    let stores = processes[sender % 2]
                    for index in 0..<20 {
                        let message = fixture.newText(
                            in: room, sender: "s\(sender)@example.com", text: "\(sender)/\(index)")
                        _ = try await stores.messages.append([message])
                    }
                }
            }
            try await group.waitForAll()
        }
        let page = try await processes[1].messages.history(
            of: room.id, HistoryQuery(direction: .oldestFirst(afterSequence: 0), limit: 2_000))
        // Sequence 1 is the room_created message.
        #expect(page.messages.map(\.sequenceNumber) == Array(1...1_001))
        #expect(Set(page.messages.map(\.rev)).count == 1_001)
        // Each sender's messages are in the order they were sent.
        for sender in 0..<50 {
            let texts = page.messages.filter { $0.senderID == UserID("s\(sender)@example.com") }.compactMap(
                \.content?.text)
            #expect(texts == (0..<20).map { "\(sender)/\($0)" })
        }
        let stored = try #require(try await processes[0].rooms.room(id: room.id))
        #expect(stored.lastSequenceNumber == 1_001)
        #expect(stored.rev == 1_001)
    }

    @Test func aBatchIsNumberedInOrderAndRepeatedClientIDsAreAnsweredWithTheFirst() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let fixture = StoreFixture(stores: database.stores)
        let room = try await fixture.makeRoom()
        let first = try await database.stores.messages.append([
            fixture.newText(in: room, sender: "a@example.com", text: "one", clientID: "c1")
        ])
        let batch = try await database.stores.messages.append([
            fixture.newText(in: room, sender: "a@example.com", text: "one again", clientID: "c1"),
            fixture.newText(in: room, sender: "b@example.com", text: "b's c1", clientID: "c1"),
            fixture.newText(in: room, sender: "a@example.com", text: "two", clientID: "c2"),
            fixture.newText(in: room, sender: "a@example.com", text: "two again", clientID: "c2"),
            fixture.newText(in: room, sender: "a@example.com", text: "no client id"),
        ])
        #expect(batch[0] == .duplicate(first[0].message))
        guard case .stored(let bMessage) = batch[1], case .stored(let two) = batch[2], case .stored(let last) = batch[4]
        else {
            Issue.record("expected stored messages: \(batch)")
            return
        }
        #expect(batch[3] == .duplicate(two))
        #expect([bMessage.sequenceNumber, two.sequenceNumber, last.sequenceNumber] == [3, 4, 5])
        #expect(try await database.stores.messages.message(id: two.id) == two)
        let room2 = try #require(try await database.stores.rooms.room(id: room.id))
        #expect(room2.lastSequenceNumber == 5)
    }

    @Test func appendToAnUnknownRoomStoresNothing() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let fixture = StoreFixture(stores: database.stores)
        let room = try await fixture.makeRoom()
        let ghost = fixture.newMessage(
            in: RoomID(uuid: UUID()), sender: "a@example.com", kind: .text, content: .text("x"))
        await #expect(throws: DomainError.notFound("Room")) {
            _ = try await database.stores.messages.append([
                fixture.newText(in: room, sender: "a@example.com", text: "ok"), ghost,
            ])
        }
        #expect(try await database.stores.rooms.room(id: room.id)?.lastSequenceNumber == 1)
    }

    @Test func editDeleteAndReactionsRaiseRevAndShowInChanges() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let stores = database.stores
        let fixture = StoreFixture(stores: stores)
        let room = try await fixture.makeRoom()
        let sent = try await stores.messages.append([
            fixture.newText(in: room, sender: "a@example.com", text: "first"),
            fixture.newText(in: room, sender: "a@example.com", text: "second"),
        ]).map(\.message)
        let later = fixture.now.addingTimeInterval(60)
        let edited = try await stores.messages.edit(
            sent[0].id, content: .text("first, fixed"), mentions: [UserID("b@example.com")],
            by: UserID("a@example.com"),
            at: later)
        #expect(edited.content == .text("first, fixed"))
        #expect(edited.editedAt == later)
        #expect(edited.rev == 4)
        #expect(edited.mentions == [UserID("b@example.com")])
        let history = try await stores.messages.editHistory(of: sent[0].id)
        #expect(history.map(\.originalContent) == ["first"])

        let thumbs = try Emoji("👍")
        let heart = try Emoji("❤️")
        let r1 = try await stores.messages.react(
            sent[1].id, user: UserID("b@example.com"), emoji: thumbs, action: .added, at: later)
        #expect(r1.changed && r1.message.rev == 5)
        let again = try await stores.messages.react(
            sent[1].id, user: UserID("b@example.com"), emoji: thumbs, action: .added, at: later)
        #expect(!again.changed && again.message.rev == 5)
        _ = try await stores.messages.react(
            sent[1].id, user: UserID("c@example.com"), emoji: heart, action: .added, at: later)
        let r3 = try await stores.messages.react(
            sent[1].id, user: UserID("a@example.com"), emoji: thumbs, action: .added, at: later)
        #expect(
            r3.message.reactions == [
                ReactionSummary(emoji: "👍", userIDs: [UserID("b@example.com"), UserID("a@example.com")]),
                ReactionSummary(emoji: "❤️", userIDs: [UserID("c@example.com")]),
            ])
        let removed = try await stores.messages.react(
            sent[1].id, user: UserID("b@example.com"), emoji: thumbs, action: .removed, at: later)
        // Emojis are ordered by their first remaining use: a's 👍 came after c's ❤️.
        #expect(removed.changed)
        #expect(
            removed.message.reactions == [
                ReactionSummary(emoji: "❤️", userIDs: [UserID("c@example.com")]),
                ReactionSummary(emoji: "👍", userIDs: [UserID("a@example.com")]),
            ])

        let deleted = try await stores.messages.delete(sent[0].id, by: UserID("owner@example.com"), at: later)
        #expect(
            deleted.content == nil && deleted.deletedAt == later && deleted.deletedBy == UserID("owner@example.com"))
        await #expect(throws: DomainError.notFound("Message")) {
            _ = try await stores.messages.delete(sent[0].id, by: UserID("owner@example.com"), at: later)
        }
        await #expect(throws: DomainError.notFound("Message")) {
            _ = try await stores.messages.edit(
                sent[0].id, content: .text("x"), mentions: [], by: UserID("a@example.com"), at: later)
        }
        await #expect(throws: DomainError.notFound("Message")) {
            _ = try await stores.messages.react(
                sent[0].id, user: UserID("a@example.com"), emoji: thumbs, action: .added, at: later)
        }
        // Catch-up: after rev 3 (both messages sent), the changed messages in the order of their last change.
        let changes = try await stores.messages.changes(in: room.id, afterRev: 3, throughSequence: 3, limit: 100)
        #expect(changes.map(\.id) == [sent[1].id, sent[0].id])
        // Revs: 1 created, 2-3 sent, 4 edit, 5-8 four reaction changes (one no-op raised nothing), 9 delete.
        #expect(changes.map(\.rev) == [8, 9])
        #expect(try await stores.rooms.room(id: room.id)?.rev == 9)
    }

    @Test func historyPagesNewestFirstAndOldestFirst() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let stores = database.stores
        let fixture = StoreFixture(stores: stores)
        let room = try await fixture.makeRoom()
        _ = try await stores.messages.append(
            (1...30).map {
                fixture.newText(
                    in: room, sender: "a@example.com", text: "m\($0)", at: fixture.now.addingTimeInterval(Double($0)))
            })
        let newest = try await stores.messages.history(
            of: room.id, HistoryQuery(direction: .newestFirst(beforeSequence: nil, beforeTime: nil), limit: 10))
        #expect(newest.messages.map(\.sequenceNumber) == Array((22...31).reversed()))
        #expect(newest.hasMore)
        let older = try await stores.messages.history(
            of: room.id, HistoryQuery(direction: .newestFirst(beforeSequence: 5, beforeTime: nil), limit: 10))
        #expect(older.messages.map(\.sequenceNumber) == [4, 3, 2, 1])
        #expect(!older.hasMore)
        let byTime = try await stores.messages.history(
            of: room.id,
            HistoryQuery(
                direction: .newestFirst(beforeSequence: nil, beforeTime: fixture.now.addingTimeInterval(3)), limit: 10))
        #expect(byTime.messages.map(\.sequenceNumber) == [3, 2, 1])
        let after = try await stores.messages.history(
            of: room.id, HistoryQuery(direction: .oldestFirst(afterSequence: 28), limit: 2))
        #expect(after.messages.map(\.sequenceNumber) == [29, 30])
        #expect(after.hasMore)
        let systemOnly = try await stores.messages.history(
            of: room.id,
            HistoryQuery(direction: .newestFirst(beforeSequence: nil, beforeTime: nil), limit: 10, kind: .system))
        #expect(systemOnly.messages.map(\.sequenceNumber) == [1])
    }

    @Test func searchFindsEnglishAndChineseCaseInsensitivelyNewestFirst() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let stores = database.stores
        let fixture = StoreFixture(stores: stores)
        let room = try await fixture.makeRoom()
        let other = try await fixture.makeRoom()
        let sent = try await stores.messages.append([
            fixture.newText(in: room, sender: "a@example.com", text: "Hydraulic PRESSURE dropped"),
            fixture.newText(in: room, sender: "a@example.com", text: "液压泵压力下降，请检查"),
            fixture.newText(in: room, sender: "a@example.com", text: "pressure back to normal"),
            fixture.newText(in: room, sender: "a@example.com", text: "100% done_ok"),
            fixture.newMessage(
                in: room.id, sender: "a@example.com", kind: .incidentData, content: .readings(["pressure": .number(3)])),
            fixture.newText(
                in: other.id == room.id ? room : other, sender: "a@example.com", text: "pressure elsewhere"),
            fixture.newText(in: room, sender: "a@example.com", text: "deleted pressure note"),
        ]).map(\.message)
        _ = try await stores.messages.delete(sent[6].id, by: UserID("a@example.com"), at: fixture.now)

        let english = try await stores.messages.search(in: room.id, text: "pressure", limit: 10, offset: 0)
        #expect(english.total == 2)
        #expect(english.messages.map(\.id) == [sent[2].id, sent[0].id])
        let paged = try await stores.messages.search(in: room.id, text: "Pressure", limit: 1, offset: 1)
        #expect(paged.total == 2 && paged.messages.map(\.id) == [sent[0].id])

        let twoCJK = try await stores.messages.search(in: room.id, text: "压力", limit: 10, offset: 0)
        #expect(twoCJK.messages.map(\.id) == [sent[1].id])
        let longerCJK = try await stores.messages.search(in: room.id, text: "液压泵压力", limit: 10, offset: 0)
        #expect(longerCJK.total == 1)
        // LIKE wildcards in the query are literal characters.
        #expect(try await stores.messages.search(in: room.id, text: "0%", limit: 10, offset: 0).total == 1)
        #expect(try await stores.messages.search(in: room.id, text: "e_o", limit: 10, offset: 0).total == 1)
        #expect(try await stores.messages.search(in: room.id, text: "%%", limit: 10, offset: 0).total == 0)
        // A system message is searchable (the room_created announcement).
        #expect(try await stores.messages.search(in: room.id, text: "created the", limit: 10, offset: 0).total == 1)

        // An edit moves the message to its new words, a deletion out of every search.
        _ = try await stores.messages.edit(
            sent[1].id, content: .text("温度升高"), mentions: [], by: UserID("a@example.com"), at: fixture.now)
        #expect(try await stores.messages.search(in: room.id, text: "压力", limit: 10, offset: 0).total == 0)
        #expect(try await stores.messages.search(in: room.id, text: "温度", limit: 10, offset: 0).total == 1)
        _ = try await stores.messages.delete(sent[1].id, by: UserID("a@example.com"), at: fixture.now)
        #expect(try await stores.messages.search(in: room.id, text: "温度", limit: 10, offset: 0).total == 0)
    }

    @Test func twoCharacterSearchFindsMessagesStoredBeforeTheBigramColumn() async throws {
        let database = try await PostgresTestDatabase.make(migrate: false)
        defer { database.pool.close() }
        try await PostgresMigrator(pool: database.pool).migrate(through: 2)
        let roomID = RoomID(uuid: UUID())
        try await database.pool.withConnection { connection in
            try connection.query(
                """
                INSERT INTO incident_rooms (room_id, title, incident_type, severity, status, created_by, created_at,
                    updated_at, last_activity_at, last_seq, rev)
                VALUES ($1, 'Line 3', 'other', 'low', 'active', 'a@example.com', now(), now(), now(), 2, 2)
                """, [.uuid(roomID.uuid)])
            try connection.query(
                """
                INSERT INTO messages (message_id, room_id, sequence_number, rev, sender_id, sender_display_name,
                    message_type, content, created_at)
                VALUES (gen_random_uuid(), $1, 1, 1, 'a@example.com', 'A', 'text', '液压泵压力下降', now()),
                       (gen_random_uuid(), $1, 2, 2, 'a@example.com', 'A', 'text', 'pressure ok', now())
                """, [.uuid(roomID.uuid)])
        }
        #expect(try await PostgresMigrator(pool: database.pool).migrate() == [3, 4])
        let found = try await database.stores.messages.search(in: roomID, text: "压力", limit: 10, offset: 0)
        #expect(found.messages.map(\.content) == [.text("液压泵压力下降")])
    }

    @Test func readingsFilterByNameAndRange() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let stores = database.stores
        let fixture = StoreFixture(stores: stores)
        let room = try await fixture.makeRoom()
        let values: [JSONObject] = [
            ["temperature": .number(75), "pressure": .number(120)],
            ["temperature": .number(85.5)],
            ["temperature": .string("n/a")],
            ["pressure": .number(99)],
            ["temperature": .number(92), "unit": .string("C")],
        ]
        let sent = try await stores.messages.append(
            values.map {
                fixture.newMessage(in: room.id, sender: "a@example.com", kind: .incidentData, content: .readings($0))
            }
        ).map(\.message)
        let hot = try await stores.messages.readings(
            in: room.id, named: "temperature", atLeast: 80, atMost: nil, limit: 10)
        #expect(hot.map(\.id) == [sent[1].id, sent[4].id])
        let band = try await stores.messages.readings(
            in: room.id, named: "temperature", atLeast: 70, atMost: 90, limit: 10)
        #expect(band.map(\.id) == [sent[0].id, sent[1].id])
        let all = try await stores.messages.readings(
            in: room.id, named: "temperature", atLeast: nil, atMost: nil, limit: 10)
        #expect(all.count == 4)
        // Key order of the readings is kept as sent (the report lists them in that order).
        #expect(all.last?.content == .readings(["temperature": .number(92), "unit": .string("C")]))
        #expect(
            Array(try #require(all.first?.content.flatMap { if case .readings(let r) = $0 { r } else { nil } }).keys)
                == ["temperature", "pressure"])
    }

    @Test(arguments: [
        "it's \"quoted\" \\ back", "'; DROP TABLE messages; --", "😀👩‍👩‍👧‍👦🇹🇼", "林小明：第3线压机漏油", "tab\tand\nnewline",
        String(repeating: "x", count: 10_240), String(repeating: "界", count: 3_413),
    ])
    func hostileContentIsStoredExactly(_ text: String) async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let fixture = StoreFixture(stores: database.stores)
        let room = try await fixture.makeRoom()
        let metadata: JSONObject = ["note": .string(text), "z": .number(1), "a": .null]
        let sent = try await database.stores.messages.append([
            fixture.newMessage(
                in: room.id, sender: "a@example.com", kind: .text, content: .text(text), metadata: metadata)
        ])
        let stored = try #require(try await database.stores.messages.message(id: sent[0].message.id))
        #expect(stored.content == .text(text))
        #expect(stored.metadata == metadata)
        #expect(stored == sent[0].message)
        #expect(try await database.stores.rooms.room(id: room.id)?.title == "Line 3 press down", "nothing was dropped")
    }

    @Test func nulIsRefusedCleanlyAndNothingIsStored() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let fixture = StoreFixture(stores: database.stores)
        let room = try await fixture.makeRoom()
        await #expect(throws: DomainError.validationFailed(field: "content", reason: "must not contain NUL characters"))
        {
            _ = try await database.stores.messages.append([
                fixture.newText(in: room, sender: "a@example.com", text: "a\u{0}b")
            ])
        }
        #expect(try await database.stores.rooms.room(id: room.id)?.lastSequenceNumber == 1)
    }

    @Test func fileSnapshotsRoundTrip() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let fixture = StoreFixture(stores: database.stores)
        let room = try await fixture.makeRoom()
        let file = StoredFile(
            id: FileID(uuid: UUID()), roomID: room.id, filename: "泵 photo's.png", contentType: "image/png",
            size: 123_456,
            fileType: .image, objectKey: "rooms/\(room.id)/x.png", uploadedBy: UserID("a@example.com"),
            uploadedAt: fixture.now.addingTimeInterval(0.123))
        try await database.stores.files.add(file)
        let sent = try await database.stores.messages.append([
            fixture.newMessage(
                in: room.id, sender: "a@example.com", kind: .imageRef, content: .text("the leak"), file: file)
        ])
        let stored = try #require(try await database.stores.messages.message(id: sent[0].message.id))
        #expect(stored.file == file)
        #expect(try await database.stores.files.file(id: file.id) == file)
    }
}
