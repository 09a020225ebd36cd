import Domain
import Foundation
import Testing

/// The seed's scenarios, end to end over real sockets.
@Suite(.serialized) struct SeedScenarioTests {
    @Test(arguments: StoreKind.available)
    func happyPathFromFirstReportToResolvedReport(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            var room = try await RoomFixture.open(on: server)
            let op = try await room.socket("op")
            let connected = try await op.until("connected")
            #expect(connected["role"]?.stringValue == "OWNER")
            #expect(connected["online"]?.arrayValue.map { $0["user_id"]?.stringValue } == ["op@example.com"])

            try await op.send([
                "type": .string("message"), "content": .string("Conveyor belt stopped, investigating"),
                "client_id": .string("c1"),
            ])
            let ack = try await op.until("ack")
            #expect(ack["client_id"]?.stringValue == "c1")
            #expect(ack["sequence_number"]?.intValue == 2)

            room.tokens["maint"] = try await server.login("maint")
            let added = try await server.call(
                "POST", "/api/rooms/\(room.roomID)/members", token: room.token("op"),
                body: ["user_id": .string("maint@example.com"), "role": .string("EDITOR")])
            #expect(added.status == 201)
            let maint = try await room.socket("maint")
            try await maint.until("connected")
            let joined = try await op.until("system")
            #expect(joined["event"]?.stringValue == "user_joined")
            #expect(joined["display_name"]?.stringValue == "Maintenance Mike")

            try await maint.send([
                "type": .string("message"), "content": .string("On my way, @林小明 please lock out the belt"),
            ])
            try await maint.until("ack")
            let seen = try await op.until("message")
            #expect(seen["message"]?["sender_display_name"]?.stringValue == "Maintenance Mike")
            #expect(seen["message"]?["mentions"]?.arrayValue.map { $0.stringValue } == ["op@example.com"])

            let photo = try await server.upload(
                room.roomID, token: room.token("maint"), filename: "belt B2.jpg", contentType: "image/jpeg",
                bytes: [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0x42, count: 2048))
            #expect(photo.status == 201, "upload: \(photo.text)")
            let fileID = try #require(photo.json["file_id"]?.stringValue)
            try await maint.send([
                "type": .string("message"), "message_type": .string("image_ref"), "file_id": .string(fileID),
                "content": .string("torn belt at the drive roller"),
            ])
            try await maint.until("ack")
            let image = try await op.until("message")
            #expect(image["message"]?["file"]?["filename"]?.stringValue == "belt B2.jpg")
            #expect(image["message"]?["file"]?["download_url"]?.stringValue != nil)
            try await maint.send([
                "type": .string("message"), "message_type": .string("incident_data"),
                "content": .object(["temperature": .number(85), "pressure": .number(120), "rate": .number(0)]),
            ])
            try await maint.until("ack")

            let resolved = try await server.call(
                "PATCH", "/api/rooms/\(room.roomID)", token: room.token("op"), body: ["status": .string("resolved")])
            #expect(resolved.status == 200)
            #expect(resolved.json["status"]?.stringValue == "resolved")
            let statusEvent = try await maint.until("message")
            #expect(statusEvent["message"]?["metadata"]?["event"]?.stringValue == "status_changed")
            let report = try await server.call("GET", "/api/rooms/\(room.roomID)/report", token: room.token("maint"))
            #expect(report.status == 200)
            let text = report.text
            let order = [
                "Conveyor belt stopped, investigating", "On my way", "belt B2.jpg", "| temperature | 85 |",
                "changed the status from active to resolved",
            ]
            let positions = order.map { text.range(of: $0)?.lowerBound }
            #expect(positions.allSatisfy { $0 != nil }, "report misses a line:\n\(text)")
            #expect(
                positions.compactMap { $0 } == positions.compactMap { $0 }.sorted(), "report out of order:\n\(text)")
            #expect(text.contains("Status | resolved"))
            await op.close()
            await maint.close()
        }
    }

    @Test(arguments: StoreKind.available)
    func viewerIsRefusedButStaysConnectedAndKeepsReceiving(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let room = try await RoomFixture.open(on: server, members: [("viewer", "VIEWER"), ("maint", "EDITOR")])
            let viewer = try await room.socket("viewer")
            let connected = try await viewer.until("connected")
            #expect(connected["role"]?.stringValue == "VIEWER")
            try await viewer.send([
                "type": .string("message"), "content": .string("can I post?"), "client_id": .string("v1"),
            ])
            let error = try await viewer.until("error")
            #expect(error["code"]?.stringValue == "insufficient_permissions")
            #expect(error["client_id"]?.stringValue == "v1")

            let maint = try await room.socket("maint")
            try await maint.until("connected")
            try await maint.send(["type": .string("message"), "content": .string("belt restarted")])
            let message = try await viewer.until("message")
            #expect(message["message"]?["content"]?.stringValue == "belt restarted")
            try await viewer.send(["type": .string("ping")])
            #expect(try await viewer.until("pong")["type"]?.stringValue == "pong")
            await viewer.close()
            await maint.close()
        }
    }

    @Test(arguments: StoreKind.available)
    func reconnectingClientEndsWithTheStateOfOneThatNeverLeft(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let room = try await RoomFixture.open(on: server, members: [("maint", "EDITOR"), ("quality", "EDITOR")])
            let stayer = try await room.socket("quality", query: "?last_seq=0")
            try await stayer.until("sync_complete")
            let leaver = try await room.socket("maint", query: "?last_seq=0")
            try await leaver.until("sync_complete")
            let op = try await room.socket("op")
            try await op.until("connected")

            var ids: [String] = []
            for index in 1...5 {
                try await op.send(["type": .string("message"), "content": .string("step \(index)")])
                ids.append(try await op.until("ack")["message_id"]!.stringValue!)
            }
            for _ in 1...5 { try await leaver.until("message") }
            let lastSeq = leaver.lastSequence
            let lastRev = leaver.lastRev
            await leaver.close()

            // While maint is away: new messages, an edit, a deletion and reactions on older messages.
            try await op.send([
                "type": .string("edit_message"), "message_id": .string(ids[0]), "content": .string("step 1 (fixed)"),
            ])
            try await op.send(["type": .string("delete_message"), "message_id": .string(ids[1])])
            try await op.send(["type": .string("add_reaction"), "message_id": .string(ids[2]), "emoji": .string("👍")])
            try await op.send(["type": .string("add_reaction"), "message_id": .string(ids[2]), "emoji": .string("🇹🇼")])
            try await op.send([
                "type": .string("remove_reaction"), "message_id": .string(ids[2]), "emoji": .string("👍"),
            ])
            for index in 6...8 {
                try await op.send(["type": .string("message"), "content": .string("step \(index)")])
                try await op.until("ack")
            }
            // The one who stayed has seen everything once all eight acks are in and the last message arrived.
            while stayer.lastSequence < lastSeq + 3 { try await stayer.read() }

            let eventsBefore = leaver.events.count
            leaver.resume(
                on: try await server.socket(
                    "/ws/\(room.roomID)?last_seq=\(lastSeq)&last_rev=\(lastRev)", token: room.token("maint")))
            let synced = try await leaver.until("sync_complete")
            #expect(synced["last_sequence_number"]?.intValue == stayer.lastSequence)
            #expect(leaver.view() == stayer.view(), "the resumed client's messages differ from the one that stayed")
            #expect(leaver.lastSequence == stayer.lastSequence)
            let replayed = leaver.events[eventsBefore...].filter { $0["type"]?.stringValue == "message" }
            #expect(
                replayed.map { $0["message"]?["sequence_number"]?.intValue }
                    == Array((lastSeq + 1)...(lastSeq + 3)).map { Optional($0) })
            // The changes to older messages came as their current state.
            let changes = leaver.events[eventsBefore...].filter {
                ["message_edited", "message_deleted", "reactions_updated"].contains($0["type"]?.stringValue ?? "")
            }
            #expect(
                changes.map { $0["type"]?.stringValue } == ["message_edited", "message_deleted", "reactions_updated"])
            #expect(changes[2]["reactions"]?.arrayValue.map { $0["emoji"]?.stringValue } == ["🇹🇼"])
            await stayer.close()
            await leaver.close()
            await op.close()
        }
    }
}
