import Domain
import Foundation
import Testing
import Transport

/// API revision 2 end to end over HTTP and WebSocket, on the in-memory store and on PostgreSQL: read markers and
/// receipts, unread counts, mentions, pins, the search across rooms, people, announcements, config and OpenAPI.
@Suite(.serialized) struct CatchingUpScenarioTests {
    /// Reads events until one of `type` satisfies `match`.
    static func until(
        _ session: WebSocketClientSession, _ type: String, timeout: Duration = .seconds(5),
        sourceLocation: SourceLocation = #_sourceLocation, where match: (JSONValue) -> Bool = { _ in true }
    ) async throws -> JSONValue {
        while true {
            let event = try await session.until(type, timeout: timeout, sourceLocation: sourceLocation)
            if match(event) { return event }
        }
    }

    /// The events that arrive within `window`, once nothing more comes.
    static func drain(_ session: WebSocketClientSession, window: Duration = .milliseconds(400)) async -> [JSONValue] {
        var events: [JSONValue] = []
        while let event = try? await session.read(timeout: window) { events.append(event) }
        return events
    }

    @Test(arguments: StoreKind.available)
    func readMarkersReceiptsAndUnreadCounts(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let room = try await RoomFixture.open(on: server, members: [("maint", "EDITOR"), ("viewer", "VIEWER")])
            let maint = try await room.socket("maint")
            try await maint.until("connected")
            let viewer = try await room.socket("viewer")
            try await viewer.until("connected")
            // 1 opened, 2 and 3 the members added; then four messages by op.
            for index in 1...4 {
                let sent = try await server.call(
                    "POST", "/api/rooms/\(room.roomID)/messages", token: room.token("op"),
                    body: ["content": .string("step \(index)")])
                #expect(sent.status == 201)
            }
            let rooms = try await server.call("GET", "/api/rooms", token: room.token("viewer"))
            let listed = try #require(
                rooms.json["rooms"]?.arrayValue.first { $0["room_id"]?.stringValue == room.roomID })
            #expect(listed["last_read_sequence_number"]?.intValue == 0)
            #expect(listed["unread_count"]?.intValue == 7)
            #expect(listed["mention_count"]?.intValue == 0)

            // The viewer reads over the socket: the maintainer hears of it, the viewer's own socket does not.
            try await viewer.send(["type": .string("read"), "sequence_number": .number(5)])
            let receipt = try await maint.until("read_receipt")
            #expect(receipt["user_id"]?.stringValue == "viewer@example.com")
            #expect(receipt["display_name"]?.stringValue == "Viewer Vera")
            #expect(receipt["last_read_sequence_number"]?.intValue == 5)
            #expect(receipt["read_at"]?.stringValue != nil)
            // Two more reads within the second: one receipt with the latest value, about a second later.
            try await viewer.send(["type": .string("read"), "sequence_number": .number(6)])
            try await viewer.send(["type": .string("read"), "sequence_number": .number(7)])
            let coalesced = try await maint.until("read_receipt", timeout: .seconds(4))
            #expect(coalesced["last_read_sequence_number"]?.intValue == 7)
            #expect(await Self.drain(maint).filter { $0["type"]?.stringValue == "read_receipt" }.isEmpty)
            #expect(await Self.drain(viewer).filter { $0["type"]?.stringValue == "read_receipt" }.isEmpty)

            // REST: forward only, clamped to the last message.
            let back = try await server.call(
                "POST", "/api/rooms/\(room.roomID)/read", token: room.token("viewer"),
                body: ["sequence_number": .number(2)]
            )
            #expect(back.status == 200)
            #expect(back.json["room_id"]?.stringValue == room.roomID)
            #expect(back.json["last_read_sequence_number"]?.intValue == 7)
            let far = try await server.call(
                "POST", "/api/rooms/\(room.roomID)/read", token: room.token("maint"),
                body: ["sequence_number": .number(1_000)])
            #expect(far.json["last_read_sequence_number"]?.intValue == 7)
            let heard = try await viewer.until("read_receipt")
            #expect(heard["user_id"]?.stringValue == "maint@example.com")

            // Bad numbers: 422 with the field on REST, invalid_message on the socket.
            for bad: JSONValue in [.string("x"), .number(-1), .number(2.5), .null, .bool(true)] {
                let refused = try await server.call(
                    "POST", "/api/rooms/\(room.roomID)/read", token: room.token("viewer"),
                    body: ["sequence_number": bad])
                #expect(refused.status == 422, "\(bad)")
                #expect(refused.errorCode == "validation_failed")
                #expect(refused.json["error"]?["details"]?["field"]?.stringValue == "sequence_number")
            }
            try await viewer.send(["type": .string("read"), "sequence_number": .string("x")])
            let error = try await viewer.until("error")
            #expect(error["code"]?.stringValue == "invalid_message")
            let stranger = try await server.login("stranger")
            let outsider = try await server.call(
                "POST", "/api/rooms/\(room.roomID)/read", token: stranger, body: ["sequence_number": .number(1)])
            #expect(outsider.status == 403 && outsider.errorCode == "forbidden")

            // Receipts: every member, "seen by" message 7 is the members whose marker is at least 7.
            let receipts = try await server.call(
                "GET", "/api/rooms/\(room.roomID)/read-receipts", token: room.token("op"))
            #expect(receipts.status == 200)
            let markers = Dictionary(
                uniqueKeysWithValues: receipts.json["receipts"]!.arrayValue.map {
                    ($0["user_id"]!.stringValue!, $0["last_read_sequence_number"]!.intValue!)
                })
            #expect(markers == ["op@example.com": 7, "maint@example.com": 7, "viewer@example.com": 7])

            // A new message: unread for the others, not for its sender, whose marker moved to it.
            try await maint.send(["type": .string("message"), "content": .string("@Viewer Vera please confirm")])
            let mentionID = try #require(try await maint.until("ack")["message_id"]?.stringValue)
            let viewerRoom = try await server.call("GET", "/api/rooms/\(room.roomID)", token: room.token("viewer"))
            #expect(viewerRoom.json["unread_count"]?.intValue == 1)
            #expect(viewerRoom.json["mention_count"]?.intValue == 1)
            let maintRoom = try await server.call("GET", "/api/rooms/\(room.roomID)", token: room.token("maint"))
            #expect(maintRoom.json["last_read_sequence_number"]?.intValue == 8)
            #expect(maintRoom.json["unread_count"]?.intValue == 0)
            let unreadOnly = try await server.call(
                "GET", "/api/rooms?unread=true&sort=activity", token: room.token("maint"))
            #expect(
                !(unreadOnly.json["rooms"]?.arrayValue.contains { $0["room_id"]?.stringValue == room.roomID } ?? true))
            let viewerUnread = try await server.call("GET", "/api/rooms?unread=true", token: room.token("viewer"))
            let unreadRooms = viewerUnread.json["rooms"]?.arrayValue ?? []
            #expect(unreadRooms.contains { $0["room_id"]?.stringValue == room.roomID })
            #expect(unreadRooms.allSatisfy { ($0["unread_count"]?.intValue ?? 0) > 0 })
            for query in ["sort=newest", "unread=maybe", "unread="] {
                #expect(try await server.call("GET", "/api/rooms?\(query)", token: room.token("viewer")).status == 400)
            }
            // Reading past the mention marks its notification read.
            func mentionIsUnread() async throws -> Bool {
                let unread = try await server.call("GET", "/api/notifications?unread=true", token: room.token("viewer"))
                return unread.json["notifications"]?.arrayValue.contains {
                    $0["reference_id"]?.stringValue == mentionID
                }
                    ?? false
            }
            #expect(try await mentionIsUnread())
            _ = try await server.call(
                "POST", "/api/rooms/\(room.roomID)/read", token: room.token("viewer"),
                body: ["sequence_number": .number(8)]
            )
            #expect(try await !mentionIsUnread())
            await maint.close()
            await viewer.close()
        }
    }

    @Test(arguments: StoreKind.available)
    func mentionsSearchAndPeople(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let word = "valve\(UUID().uuidString.prefix(6).lowercased())"
            let room = try await RoomFixture.open(
                on: server, title: "Hydraulic leak", members: [("maint", "EDITOR"), ("viewer", "VIEWER")])
            let other = try await RoomFixture.open(on: server, title: "Other line", members: [("maint", "EDITOR")])
            var mentionIDs: [String] = []
            for (index, target) in [room, other, room].enumerated() {
                let sent = try await server.call(
                    "POST", "/api/rooms/\(target.roomID)/messages", token: target.token("op"),
                    body: ["content": .string("@Maintenance Mike \(word) check \(index)")])
                mentionIDs.append(try #require(sent.json["message_id"]?.stringValue))
            }
            let first = try await server.call("GET", "/api/mentions?limit=2", token: room.token("maint"))
            #expect(first.status == 200)
            #expect(
                first.json["messages"]?.arrayValue.map { $0["message_id"]?.stringValue } == [
                    mentionIDs[2], mentionIDs[1],
                ])
            #expect(first.json["has_more"] == .bool(true))
            let cursor = try #require(first.json["next_before"]?.stringValue)
            let encoded = cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor
            let second = try await server.call(
                "GET", "/api/mentions?limit=2&before=\(encoded)", token: room.token("maint"))
            #expect(second.json["messages"]?.arrayValue.first?["message_id"]?.stringValue == mentionIDs[0])
            if store == .memory {
                // (PostgreSQL keeps the mentions of earlier runs: there the pages go on.)
                #expect(second.json["messages"]?.arrayValue.count == 1)
                #expect(second.json["next_before"] == .null)
            }
            for bad in ["before=garbage", "before=", "limit=0", "limit=201", "limit=x"] {
                let refused = try await server.call("GET", "/api/mentions?\(bad)", token: room.token("maint"))
                #expect(refused.status == 400 && refused.errorCode == "invalid_request", "\(bad)")
            }
            let filtered = try await server.call(
                "GET", "/api/rooms/\(room.roomID)/messages?mentions=me", token: room.token("maint"))
            #expect(
                filtered.json["messages"]?.arrayValue.map { $0["message_id"]?.stringValue } == [
                    mentionIDs[2], mentionIDs[0],
                ])
            let byID = try await server.call(
                "GET", "/api/rooms/\(room.roomID)/messages?mentions=maint@example.com&after_seq=0&limit=1",
                token: room.token("viewer"))
            #expect(byID.json["messages"]?.arrayValue.map { $0["message_id"]?.stringValue } == [mentionIDs[0]])
            #expect(byID.json["has_more"] == .bool(true))

            // The search across rooms: the viewer's one room, the maintainer's two, newest first, each with its room.
            let viewerHits = try await server.call(
                "GET", "/api/search?q=\(word.uppercased())", token: room.token("viewer"))
            #expect(viewerHits.status == 200)
            let viewerResults = viewerHits.json["results"]?.arrayValue ?? []
            #expect(viewerResults.map { $0["room"]?["room_id"]?.stringValue } == [room.roomID, room.roomID])
            #expect(viewerResults.first?["room"]?["title"]?.stringValue == "Hydraulic leak")
            #expect(viewerResults.first?["highlight"]?.stringValue?.contains("<mark>\(word)</mark>") == true)
            let maintHits = try await server.call("GET", "/api/search?q=\(word)&limit=2", token: room.token("maint"))
            #expect(maintHits.json["total"]?.intValue == 3)
            #expect(
                maintHits.json["results"]?.arrayValue.map { $0["message"]?["message_id"]?.stringValue }
                    == [mentionIDs[2], mentionIDs[1]])
            let short = try await server.call("GET", "/api/search?q=v", token: room.token("maint"))
            #expect(short.status == 400 && short.errorCode == "invalid_request")

            // People: the directory (here the demo directory of the test server) and users seen at sign-in.
            let people = try await server.call("GET", "/api/users?q=MAINT", token: room.token("viewer"))
            #expect(people.status == 200)
            #expect(
                people.json["users"]?.arrayValue.first
                    == .object([
                        "user_id": .string("maint@example.com"), "display_name": .string("Maintenance Mike"),
                        "email": .string("maint@example.com"),
                    ]))
            let chinese = try await server.call("GET", "/api/users?q=%E5%B0%8F%E6%98%8E", token: room.token("viewer"))
            #expect(chinese.json["users"]?.arrayValue.map { $0["user_id"]?.stringValue } == ["op@example.com"])
            let workers = try await server.call("GET", "/api/users?q=worker&limit=3", token: room.token("viewer"))
            #expect(workers.json["users"]?.arrayValue.count == 3)
            for bad in ["q=m", "q=", "", "q=ma&limit=0", "q=ma&limit=51"] {
                let refused = try await server.call("GET", "/api/users?\(bad)", token: room.token("viewer"))
                #expect(refused.status == 400 && refused.errorCode == "invalid_request", "\(bad)")
            }
            #expect(try await server.call("GET", "/api/users?q=maint").status == 401)
        }
    }

    @Test(arguments: StoreKind.available)
    func pinsAreKeyEventsReplayedOnResumeAndOpenTheReport(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let room = try await RoomFixture.open(on: server, members: [("maint", "EDITOR"), ("viewer", "VIEWER")])
            let viewer = try await room.socket("viewer", query: "?last_seq=0")
            try await viewer.until("sync_complete")
            var ids: [String] = []
            for text in ["Belt torn at the splice", "coffee?", "Root cause: worn splice"] {
                let sent = try await server.call(
                    "POST", "/api/rooms/\(room.roomID)/messages", token: room.token("maint"),
                    body: ["content": .string(text)])
                ids.append(try #require(sent.json["message_id"]?.stringValue))
            }
            while viewer.lastSequence < 6 { try await viewer.read() }
            let lastSeq = viewer.lastSequence
            let lastRev = viewer.lastRev
            await viewer.close()

            // While the viewer is away: a pin, a pin that is undone, and a reaction after the pin.
            let pinned = try await server.call("POST", "/api/messages/\(ids[2])/pin", token: room.token("maint"))
            #expect(pinned.status == 200)
            #expect(pinned.json["pinned_by"]?.stringValue == "maint@example.com")
            #expect(pinned.json["pinned_at"]?.stringValue != nil)
            let again = try await server.call("POST", "/api/messages/\(ids[2])/pin", token: room.token("op"))
            #expect(again.status == 200 && again.json["rev"] == pinned.json["rev"])
            _ = try await server.call("POST", "/api/messages/\(ids[0])/pin", token: room.token("op"))
            #expect(
                try await server.call("DELETE", "/api/messages/\(ids[0])/pin", token: room.token("op")).status == 204)
            #expect(
                try await server.call("DELETE", "/api/messages/\(ids[1])/pin", token: room.token("op")).status == 204)
            _ = try await server.call(
                "POST", "/api/messages/\(ids[2])/reactions", token: room.token("op"), body: ["emoji": .string("👍")])

            let refused = try await server.call("POST", "/api/messages/\(ids[1])/pin", token: room.token("viewer"))
            #expect(refused.status == 403 && refused.errorCode == "insufficient_permissions")
            let unknown = try await server.call(
                "POST", "/api/messages/\(UUID().uuidString)/pin", token: room.token("op"))
            #expect(unknown.status == 404)
            #expect(
                try await server.call("POST", "/api/messages/not-a-uuid/pin", token: room.token("op")).status == 400)

            // The viewer resumes: each older message changed after last_rev comes as its current state; the pin and
            // the pin undone come as pin events (the reaction after the pin is in the pinned message's state).
            viewer.resume(
                on: try await server.socket(
                    "/ws/\(room.roomID)?last_seq=\(lastSeq)&last_rev=\(lastRev)", token: room.token("viewer")))
            try await viewer.until("sync_complete")
            let replayed = viewer.events.suffix(4)
            let pinEvents = replayed.filter { ($0["type"]?.stringValue ?? "").hasPrefix("message_") }
            #expect(pinEvents.map { $0["type"]?.stringValue } == ["message_unpinned", "message_pinned"])
            #expect(pinEvents.map { $0["message"]?["message_id"]?.stringValue } == [ids[0], ids[2]])
            let last = try #require(pinEvents.last)
            #expect(last["message"]?["pinned_by"]?.stringValue == "maint@example.com")
            #expect(last["message"]?["reactions"]?[0]?["emoji"]?.stringValue == "👍")
            #expect(last["rev"] == last["message"]?["rev"])

            // Live: a pin reaches every connection of the room with the rev it produced.
            let pin = try await server.call("POST", "/api/messages/\(ids[1])/pin", token: room.token("op"))
            let live = try await Self.until(viewer, "message_pinned") {
                $0["message"]?["message_id"]?.stringValue == ids[1]
            }
            #expect(live["rev"] == pin.json["rev"])
            #expect(
                try await server.call("DELETE", "/api/messages/\(ids[1])/pin", token: room.token("op")).status == 204)
            let unpinned = try await viewer.until("message_unpinned")
            #expect(unpinned["message"]?["pinned_at"] == .null)

            let pins = try await server.call("GET", "/api/rooms/\(room.roomID)/pins", token: room.token("viewer"))
            #expect(pins.json["messages"]?.arrayValue.map { $0["message_id"]?.stringValue } == [ids[2]])
            let report = try await server.call("GET", "/api/rooms/\(room.roomID)/report", token: room.token("viewer"))
            let keyEvents = try #require(report.text.range(of: "## Key events"))
            let timeline = try #require(report.text.range(of: "## Timeline"))
            #expect(keyEvents.lowerBound < timeline.lowerBound)
            let section = report.text[keyEvents.upperBound..<timeline.lowerBound]
            #expect(section.contains("#6 *(pinned by Maintenance Mike)* Maintenance Mike: Root cause: worn splice"))
            #expect(!section.contains("coffee"))
            #expect(report.text[timeline.upperBound...].contains("#6 *(pinned)* Maintenance Mike: Root cause"))

            // A deleted message cannot be pinned; an archived room is read-only.
            #expect(
                try await server.call("DELETE", "/api/messages/\(ids[1])", token: room.token("maint")).status == 204)
            let deleted = try await server.call("POST", "/api/messages/\(ids[1])/pin", token: room.token("op"))
            #expect(deleted.status == 409 && deleted.errorCode == "conflict")
            _ = try await server.call(
                "PATCH", "/api/rooms/\(room.roomID)", token: room.token("op"), body: ["status": .string("archived")])
            let archived = try await server.call("DELETE", "/api/messages/\(ids[2])/pin", token: room.token("op"))
            #expect(archived.status == 409 && archived.errorCode == "room_archived")
            await viewer.close()
        }
    }

    @Test(arguments: StoreKind.available)
    func announcementsReachEveryOpenSocketAndLaterNotificationSockets(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let room = try await RoomFixture.open(on: server, members: [("maint", "EDITOR")])
            let admin = try await server.login("admin")
            let roomSocket = try await room.socket("maint")
            try await roomSocket.until("connected")
            let notifications = WebSocketClientSession(
                client: try await server.socket("/ws/notifications", token: room.token("op")))
            try await notifications.until("unread_sync")

            let refused = try await server.call(
                "POST", "/api/announcements", token: room.token("op"), body: ["message": .string("hello")])
            #expect(refused.status == 403 && refused.errorCode == "insufficient_permissions")
            for body: JSONObject in [
                ["message": .string("")], ["message": .string(String(repeating: "x", count: 1_001))],
                ["message": .string("drill"), "severity": .string("urgent")], ["severity": .string("info")],
            ] {
                let bad = try await server.call("POST", "/api/announcements", token: admin, body: body)
                #expect(bad.status == 422 && bad.errorCode == "validation_failed", "\(body)")
            }
            let text = "Fire drill at 14:00 \(UUID().uuidString.prefix(8)), 消防演習"
            let posted = try await server.call(
                "POST", "/api/announcements", token: admin,
                body: ["message": .string(text), "severity": .string("warning")])
            #expect(posted.status == 201)
            let id = try #require(posted.json["announcement_id"]?.stringValue)
            #expect(posted.json["created_by"]?.stringValue == "admin@example.com")
            #expect(posted.json["severity"]?.stringValue == "warning")
            for socket in [roomSocket, notifications] {
                let event = try await Self.until(socket, "announcement") {
                    $0["announcement"]?["announcement_id"]?.stringValue == id
                }
                #expect(event["announcement"]?["message"]?.stringValue == text)
            }
            // A notifications socket opened later gets it after unread_sync; the list shows it, newest first.
            let later = WebSocketClientSession(
                client: try await server.socket("/ws/notifications", token: room.token("maint")))
            let first = try await later.read()
            #expect(first["type"]?.stringValue == "unread_sync")
            let replayed = try await Self.until(later, "announcement") {
                $0["announcement"]?["announcement_id"]?.stringValue == id
            }
            #expect(replayed["announcement"]?["severity"]?.stringValue == "warning")
            let list = try await server.call("GET", "/api/announcements", token: room.token("maint"))
            #expect(list.json["announcements"]?[0]?["announcement_id"]?.stringValue == id)
            await roomSocket.close()
            await notifications.close()
            await later.close()
        }
    }

    @Test func configAndTheAPIDescriptionNeedNoToken() async throws {
        try await TestServer.with { server in
            let config = try await server.call("GET", "/api/config")
            #expect(config.status == 200)
            #expect(config.json["report_timezone"]?.stringValue == "Asia/Taipei")
            #expect(config.json["edit_window_seconds"]?.intValue == 900)
            #expect(config.json["message_rate_per_second"]?.intValue == 10)
            #expect(config.json["max_text_bytes"]?.intValue == 10_240)
            #expect(config.json["max_upload_bytes"]?["document"]?.intValue == 20 * 1_048_576)
            let document = try await server.call("GET", "/api/openapi.json")
            #expect(document.status == 200)
            #expect(document.json["openapi"]?.stringValue == "3.1.0")
            #expect(
                document.json["paths"]?["/api/rooms/{room_id}/read"]?["post"]?["operationId"]?.stringValue
                    == "markRoomRead"
            )
        }
    }
}
