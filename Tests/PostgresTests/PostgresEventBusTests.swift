import Application
import Domain
import Foundation
import Postgres
import TestSupport
import Testing

@Suite(TestEnvironment.requires("TEST_DATABASE_URL"))
struct PostgresEventBusTests {
    /// Collects events and lets a test wait for a count without sleeping blindly.
    final class Inbox: @unchecked Sendable {
        private let lock = NSLock()
        private var received: [LiveEvent] = []
        func add(_ event: LiveEvent) { self.lock.withLock { self.received.append(event) } }
        var events: [LiveEvent] { self.lock.withLock { self.received } }

        func wait(for count: Int, within seconds: Double = 10) async throws -> [LiveEvent] {
            let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
            while self.events.count < count && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            return self.events
        }
    }

    @Test func eventsReachTheOtherProcessOnceWithTheirMessagesLoaded() async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let channel = "test_" + database.schema
        let busA = PostgresEventBus(url: database.url, channel: channel)
        let busB = PostgresEventBus(url: database.url, channel: channel)
        defer {
            busA.close()
            busB.close()
        }
        let inboxA = Inbox()
        let inboxB = Inbox()
        await busA.subscribe { inboxA.add($0) }
        await busB.subscribe { inboxB.add($0) }
        // LISTEN is in place once a notification sent after it arrives; probe until B hears A.
        let fixture = StoreFixture(stores: database.stores)
        let room = try await fixture.makeRoom()
        let probe = LiveEvent.typing(room: room.id, user: UserID("probe@example.com"), displayName: "p", isTyping: true)
        for _ in 0..<100 where inboxB.events.isEmpty {
            await busA.publish(probe)
            try await Task.sleep(for: .milliseconds(50))
        }
        let probes = inboxB.events.count
        try #require(probes > 0, "the listener never heard the sender")

        let big = String(repeating: "長文", count: 3_000)  // 18 KB of UTF-8: far over NOTIFY's 8 000 bytes
        var readings = JSONObject()  // about 100 KB of readings
        for index in 0..<4_000 { readings["sensor_\(index)_pressure"] = .number(Double(index) + 0.25) }
        let sent = try await database.stores.messages.append([
            fixture.newText(in: room, sender: "a@example.com", text: big),
            fixture.newMessage(
                in: room.id, sender: "a@example.com", kind: .incidentData, content: .readings(readings)),
        ]).map(\.message)
        #expect(JSONWriter.encode(.object(readings)).count > 100_000)
        let notification = UserNotification(
            id: NotificationID(uuid: UUID()), userID: UserID("b@example.com"), kind: .mention, title: "Mentioned",
            message: "in Line 3", roomID: room.id, reference: .message(sent[0].id), createdAt: fixture.now)
        let events: [LiveEvent] = [
            .messageCreated(sent[0]), .messageCreated(sent[1]),
            .reactionsUpdated(sent[1], user: UserID("b@example.com"), emoji: "👍", action: .added),
            .userJoined(room: room.id, user: UserID("b@example.com"), displayName: "林小明", at: fixture.now),
            .accessRevoked(room: room.id, user: UserID("c@example.com")),
            .notification(notification), .tokenRevoked(tokenID: "jti-7f3a"),
        ]
        for event in events { await busA.publish(event) }
        // Probes still in flight may arrive after `probes` was read; they all precede the events (order is kept).
        let received = try await inboxB.wait(for: probes + events.count).filter { $0 != probe }
        #expect(received == events)
        // The publishing process got each event once, directly.
        try await Task.sleep(for: .milliseconds(200))
        #expect(inboxA.events.filter { $0 != probe } == events)
    }

    /// Two buses on a fresh channel, each subscribed, once B has heard A.
    static func pair(_ database: PostgresTestDatabase, inbox: Inbox) async throws -> (
        PostgresEventBus, PostgresEventBus, LiveEvent
    ) {
        let channel = "test_" + database.schema
        let busA = PostgresEventBus(url: database.url, channel: channel)
        let busB = PostgresEventBus(url: database.url, channel: channel)
        await busA.subscribe { _ in }
        await busB.subscribe { inbox.add($0) }
        let probe = LiveEvent.typing(
            room: RoomID(uuid: UUID()), user: UserID("probe@example.com"), displayName: "p", isTyping: true)
        for _ in 0..<100 where inbox.events.isEmpty {
            await busA.publish(probe)
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(!inbox.events.isEmpty, "the listener never heard the sender")
        return (busA, busB, probe)
    }

    /// Two buses on a fresh schema, A sending and B's events in `inbox`, after A's probe reached B.
    struct Pair {
        let database: PostgresTestDatabase
        let inbox: Inbox
        let sender: PostgresEventBus
        let probe: LiveEvent
        /// Events B had received when the test began.
        let before: Int
    }

    static func withPair(_ body: (Pair) async throws -> Void) async throws {
        let database = try await PostgresTestDatabase.make()
        defer { database.pool.close() }
        let inbox = Inbox()
        let (busA, busB, probe) = try await Self.pair(database, inbox: inbox)
        defer {
            busA.close()
            busB.close()
        }
        try await body(Pair(database: database, inbox: inbox, sender: busA, probe: probe, before: inbox.events.count))
    }

    /// Ends the bus connections of `applicationName` (each names its role and channel), as an operator or a
    /// database restart would; the number ended.
    static func terminate(_ applicationName: String, in database: PostgresTestDatabase) async throws -> Int {
        try await database.pool.withConnection { connection in
            try connection.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                [.text(applicationName)]
            ).rowCount
        }
    }

    @Test func aListenerCutOffCatchesUpWhatWasPublishedMeanwhile() async throws {
        try await Self.withPair { pair in
            // Both listeners of this channel are cut off (the application name names the channel), then A publishes.
            let killed = try await Self.terminate("incidentd listen test_" + pair.database.schema, in: pair.database)
            #expect(killed == 2)
            let room = RoomID(uuid: UUID())
            let events = (0..<20).map {
                LiveEvent.typing(room: room, user: UserID("u\($0)@example.com"), displayName: "U\($0)", isTyping: true)
            }
            for event in events { await pair.sender.publish(event) }
            let received = try await pair.inbox.wait(for: pair.before + events.count).filter { $0 != pair.probe }
            #expect(received == events, "every event once, in order, though B was not listening when some were sent")
            try await Task.sleep(for: .milliseconds(300))
            #expect(pair.inbox.events.filter { $0 != pair.probe } == events)
        }
    }

    /// Finding 12: a batch whose NOTIFY fails (the sender's connection was cut) is sent again on a new connection,
    /// so a revocation published at that moment still reaches the other process.
    @Test func aBatchWhoseNotifyFailedIsSentAgain() async throws {
        try await Self.withPair { pair in
            let killed = try await Self.terminate("incidentd notify test_" + pair.database.schema, in: pair.database)
            #expect(killed >= 1, "the senders of this channel were found by name")
            let revoked = LiveEvent.tokenRevoked(tokenID: "revoked-while-the-sender-was-cut")
            await pair.sender.publish(revoked)
            #expect(
                await eventually(timeout: .seconds(10)) { pair.inbox.events.dropFirst(pair.before).contains(revoked) })
            #expect(pair.inbox.events.dropFirst(pair.before).filter { $0 != pair.probe } == [revoked], "once")
        }
    }

    @Test func anEventTooLargeForNotifyTravelsByReference() async throws {
        try await Self.withPair { pair in
            // A display name of 12 000 bytes: the codec sends it whole, so the payload is over NOTIFY's 8 000 bytes.
            let huge = LiveEvent.typing(
                room: RoomID(uuid: UUID()), user: UserID("long@example.com"),
                displayName: String(repeating: "名", count: 4_000), isTyping: true)
            let small = LiveEvent.typing(
                room: RoomID(uuid: UUID()), user: UserID("short@example.com"), displayName: "S", isTyping: false)
            await pair.sender.publish(huge)
            await pair.sender.publish(small)
            let received = try await pair.inbox.wait(for: pair.before + 2).filter { $0 != pair.probe }
            #expect(received == [huge, small])
        }
    }

    @Test func payloadsStayUnderTheNotifyLimit() {
        let events = (0..<500).map { "{\"t\":\"created\",\"m\":\"\($0)-\(UUID().uuidString)\"}" }
        let payloads = PostgresEventBus.payloads(origin: "origin", events: events)
        #expect(payloads.count > 1)
        #expect(payloads.allSatisfy { $0.utf8.count < 8_000 })
        let unpacked = payloads.flatMap { payload -> [String] in
            guard case .array(let items)? = try? JSONParser().parse(payload)["e"] else { return [] }
            return items.map { JSONWriter.string($0) }
        }
        #expect(unpacked == events)
    }
}
