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
        let sent = try await database.stores.messages.append([
            fixture.newText(in: room, sender: "a@example.com", text: big),
            fixture.newMessage(
                in: room.id, sender: "a@example.com", kind: .incidentData, content: .readings(["t": .number(85)])),
        ]).map(\.message)
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
