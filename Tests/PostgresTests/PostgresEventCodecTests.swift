import Application
import Domain
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Postgres

/// The revision-2 events across processes, and payloads that no process of ours would send.
@Suite(TestEnvironment.requires("TEST_DATABASE_URL"))
struct PostgresEventCodecTests {
    @Test func receiptsPinsAndAnnouncementsReachTheOtherProcess() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let channel = "test_" + database.schema
        let busA = PostgresEventBus(url: database.url, channel: channel)
        let busB = PostgresEventBus(url: database.url, channel: channel)
        defer {
            busA.close()
            busB.close()
        }
        let inbox = PostgresEventBusTests.Inbox()
        await busB.subscribe { inbox.add($0) }
        await busA.subscribe { _ in }
        let fixture = StoreFixture(stores: database.stores)
        let room = try await fixture.makeRoom()
        let probe = LiveEvent.typing(room: room.id, user: UserID("probe@example.com"), displayName: "p", isTyping: true)
        for _ in 0..<100 where inbox.events.isEmpty {
            await busA.publish(probe)
            try await Task.sleep(for: .milliseconds(50))
        }
        let probes = inbox.events.count
        try #require(probes > 0, "the listener never heard the sender")

        let sent = try #require(
            try await database.stores.messages.append([fixture.newText(in: room, sender: "a@example.com", text: "x")])
                .first?.message)
        let pinned = try await database.stores.messages.setPinned(
            sent.id, true, by: UserID("a@example.com"), at: fixture.now
        ).message
        // 1 000 characters of four UTF-8 bytes each: over half a payload, so it travels by reference.
        let long = Announcement(
            id: AnnouncementID(uuid: UUID()), message: String(repeating: "🚒", count: 1_000), severity: .critical,
            createdBy: UserID("admin@example.com"), createdAt: fixture.now)
        try await database.stores.notifications.add(long)
        let short = Announcement(
            id: AnnouncementID(uuid: UUID()), message: "Fire drill at 14:00, 消防演習", severity: .warning,
            createdBy: UserID("admin@example.com"), createdAt: fixture.now)
        let events: [LiveEvent] = [
            .readReceipt(
                room: room.id, user: UserID("lin@example.com"), displayName: "林小明", lastReadSequence: 42,
                at: fixture.now),
            .messagePinned(pinned), .announcement(short), .announcement(long),
        ]
        #expect(JSONWriter.encode(PostgresEventCodec.encode(.announcement(long))).count < 200)
        for event in events { await busA.publish(event) }
        let received = try await inbox.wait(for: probes + events.count).filter { $0 != probe }
        #expect(received == events)
    }

    @Test func hostileNumbersDropTheEventInsteadOfTrapping() async throws {
        let database = try await PostgresTestDatabase.make(poolSize: 1, maxOverflow: 0)
        defer { database.pool.close() }
        let room = RoomID(uuid: UUID()).description
        func receipt(sequence: JSONValue, at: JSONValue) -> JSONValue {
            .object([
                "t": .string("receipt"), "r": .string(room), "u": .string("a@example.com"), "n": .string("A"),
                "s": sequence, "at": at,
            ])
        }
        let hostile: [JSONValue] = [
            receipt(sequence: .number(1e300), at: .number(0)), receipt(sequence: .number(-1), at: .number(0)),
            receipt(sequence: .number(2.5), at: .number(0)), receipt(sequence: .number(.nan), at: .number(0)),
            receipt(sequence: .string("7"), at: .number(0)), receipt(sequence: .number(7), at: .number(1e300)),
            receipt(sequence: .number(7), at: .number(-.infinity)),
            receipt(sequence: .number(7), at: .number(-9.2e18)),
            .object([
                "t": .string("announcement"), "id": .string(UUID().uuidString), "me": .string("x"),
                "sv": .string("info"), "by": .string("a@example.com"), "at": .number(9.3e18),
            ]),
            .object([
                "t": .string("joined"), "r": .string(room), "u": .string("a"), "n": .string("A"),
                "at": .number(.infinity),
            ]),
            .object(["t": .string("pinned"), "m": .number(3)]),
            .object(["t": .string("announcement_ref"), "id": .string("../../etc")]),
        ]
        let decoded = try await database.pool.withConnection { connection in
            try hostile.map { try PostgresEventCodec.decode($0, on: connection) }
        }
        #expect(decoded.allSatisfy { $0 == nil })
        let valid = receipt(sequence: .number(7), at: .number(0))
        let fine = try await database.pool.withConnection { connection in
            try PostgresEventCodec.decode(valid, on: connection)
        }
        #expect(
            fine
                == .readReceipt(
                    room: RoomID(room)!, user: UserID("a@example.com"), displayName: "A", lastReadSequence: 7,
                    at: Date(timeIntervalSince1970: 946_684_800)))
    }

    @Test func payloadsNoProcessSentAreReportedAndTheBusCarriesOn() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let channel = "test_" + database.schema
        let reports = Mutex<[String]>([])
        let sender = PostgresEventBus(url: database.url, channel: channel)
        let listener = PostgresEventBus(url: database.url, channel: channel) { payload, _ in
            reports.withLock { $0.append(payload) }
        }
        defer {
            sender.close()
            listener.close()
        }
        let inbox = PostgresEventBusTests.Inbox()
        await listener.subscribe { inbox.add($0) }
        await sender.subscribe { _ in }
        let room = RoomID(uuid: UUID())
        let probe = LiveEvent.typing(room: room, user: UserID("probe@example.com"), displayName: "p", isTyping: true)
        for _ in 0..<100 where inbox.events.isEmpty {
            await sender.publish(probe)
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(!inbox.events.isEmpty, "the listener never heard the sender")

        // What a psql session could send: not JSON, no events, an event out of range.
        let hostile = [
            "not json", #"{"o":"psql"}"#,
            #"{"o":"psql","e":[{"t":"joined","r":"\#(room)","u":"a","n":"A","at":1e300}]}"#,
        ]
        for payload in hostile {
            try await database.pool.withConnection { connection in
                _ = try connection.query("SELECT pg_notify($1, $2)", [.text(channel), .text(payload)])
            }
        }
        let after = LiveEvent.typing(room: room, user: UserID("after@example.com"), displayName: "a", isTyping: true)
        await sender.publish(after)
        // The listener handles notifications in commit order: once `after` is in, the three before it were handled.
        #expect(await eventually(timeout: .seconds(10)) { inbox.events.contains(after) })
        let told = reports.withLock { $0 }
        #expect(told.count == 3)
        #expect(told.first == "not json")
        #expect(told.last?.contains(#""t":"joined""#) == true)
    }
}
