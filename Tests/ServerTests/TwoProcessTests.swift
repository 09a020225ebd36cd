import Domain
import Foundation
import TestSupport
import Testing

/// Two incidentd "processes" on one PostgreSQL, each with its own LISTEN/NOTIFY bus: read receipts, pin events and
/// announcements of one reach the sockets of the other.
@Suite(.serialized, TestEnvironment.requires("TEST_DATABASE_URL"))
struct TwoProcessTests {
    @Test func receiptsPinsAndAnnouncementsCrossProcesses() async throws {
        let first = try await TestServer(.postgres)
        let second = try await TestServer(.postgres)
        defer {
            Task {
                await first.stop()
                await second.stop()
            }
        }
        let room = try await RoomFixture.open(on: first, members: [("maint", "EDITOR"), ("viewer", "VIEWER")])
        // The maintainer is connected to the second process; everything below happens on the first.
        let maint = WebSocketClientSession(
            client: try await second.socket("/ws/\(room.roomID)", token: room.token("maint")))
        try await maint.until("connected")
        let notifications = WebSocketClientSession(
            client: try await second.socket("/ws/notifications", token: room.token("maint")))
        try await notifications.until("unread_sync")

        // The second process's listener is up once a message sent through the first reaches it.
        var heard = false
        for attempt in 0..<50 where !heard {
            let sent = try await first.call(
                "POST", "/api/rooms/\(room.roomID)/messages", token: room.token("op"),
                body: ["content": .string("probe \(attempt)")])
            let id = sent.json["message_id"]?.stringValue
            while let event = try? await maint.read(timeout: .milliseconds(200)) {
                if event["message"]?["message_id"]?.stringValue == id { heard = true }
            }
        }
        try #require(heard, "the second process never heard the first")
        let last = maint.lastSequence

        let read = try await first.call(
            "POST", "/api/rooms/\(room.roomID)/read", token: room.token("viewer"),
            body: ["sequence_number": .number(Double(last))])
        #expect(read.status == 200)
        let receipt = try await CatchingUpScenarioTests.until(maint, "read_receipt") {
            $0["user_id"]?.stringValue == "viewer@example.com"
        }
        #expect(receipt["last_read_sequence_number"]?.intValue == last)

        let messages = try await first.call(
            "GET", "/api/rooms/\(room.roomID)/messages?limit=1", token: room.token("op"))
        let id = try #require(messages.json["messages"]?[0]?["message_id"]?.stringValue)
        let pin = try await first.call("POST", "/api/messages/\(id)/pin", token: room.token("op"))
        let pinned = try await CatchingUpScenarioTests.until(maint, "message_pinned")
        #expect(pinned["message"]?["message_id"]?.stringValue == id)
        #expect(pinned["message"]?["pinned_by"]?.stringValue == "op@example.com")
        #expect(pinned["rev"] == pin.json["rev"])
        _ = try await first.call("DELETE", "/api/messages/\(id)/pin", token: room.token("op"))
        let unpinned = try await CatchingUpScenarioTests.until(maint, "message_unpinned")
        #expect(unpinned["message"]?["pinned_at"] == .null)

        let admin = try await first.login("admin")
        let posted = try await first.call(
            "POST", "/api/announcements", token: admin,
            body: ["message": .string("Network maintenance tonight \(UUID().uuidString.prefix(6))")])
        let announcementID = try #require(posted.json["announcement_id"]?.stringValue)
        for socket in [maint, notifications] {
            let event = try await CatchingUpScenarioTests.until(socket, "announcement") {
                $0["announcement"]?["announcement_id"]?.stringValue == announcementID
            }
            #expect(event["announcement"]?["message"] == posted.json["message"])
        }
        await maint.close()
        await notifications.close()
    }

    static func userIDs(_ value: JSONValue?) -> Set<String> {
        guard case .array(let users)? = value else { return [] }
        return Set(users.compactMap { $0["user_id"]?.stringValue })
    }

    /// Presence is one state for both processes: online lists agree, a user connected to both joins once and leaves
    /// once, typing and its expiry reach the other process.
    @Test func presenceAndTypingCrossProcesses() async throws {
        let first = try await TestServer(.postgres)
        let second = try await TestServer(.postgres)
        defer {
            Task {
                await first.stop()
                await second.stop()
            }
        }
        let room = try await RoomFixture.open(on: first, members: [("maint", "EDITOR")])
        let watcher = WebSocketClientSession(
            client: try await first.socket("/ws/\(room.roomID)", token: room.token("op")))
        try await watcher.until("connected")
        let maintOnSecond = WebSocketClientSession(
            client: try await second.socket("/ws/\(room.roomID)", token: room.token("maint")))
        let connected = try await maintOnSecond.until("connected")
        #expect(Self.userIDs(connected["online"]).contains("op@example.com"))
        let joined = try await CatchingUpScenarioTests.until(watcher, "system") {
            $0["event"]?.stringValue == "user_joined" && $0["user_id"]?.stringValue == "maint@example.com"
        }
        #expect(joined["display_name"] != nil)
        for server in [first, second] {
            let online = try await server.call("GET", "/api/rooms/\(room.roomID)/online", token: room.token("op"))
            #expect(Self.userIDs(online.json["users"]) == ["op@example.com", "maint@example.com"])
        }
        // A second connection of the same user, on the other process: no second join.
        let maintOnFirst = WebSocketClientSession(
            client: try await first.socket("/ws/\(room.roomID)", token: room.token("maint")))
        try await maintOnFirst.until("connected")

        try await maintOnSecond.send(["type": .string("typing"), "is_typing": .bool(true)])
        let typing = try await CatchingUpScenarioTests.until(watcher, "typing")
        #expect(typing["is_typing"] == .bool(true))
        // Expired 3 s later by one process, announced to the other.
        let stopped = try await CatchingUpScenarioTests.until(watcher, "typing", timeout: .seconds(6))
        #expect(stopped["is_typing"] == .bool(false))

        await maintOnSecond.close()
        await maintOnFirst.close()
        let left = try await CatchingUpScenarioTests.until(watcher, "system") {
            $0["event"]?.stringValue == "user_left" || $0["event"]?.stringValue == "user_joined"
        }
        #expect(left["event"]?.stringValue == "user_left", "one leave, after the last connection; no second join")
        await watcher.close()
    }
}
