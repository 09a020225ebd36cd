import Domain
import Foundation
import Testing
import Transport

/// Bad input through the real routes gets a clear error, never a 500, a crash or lost data.
struct HostileInputTests {
    @Test(arguments: StoreKind.available) func malformedIdsLimitsAndBodiesAreRefusedClearly(_ store: StoreKind)
        async throws
    {
        try await TestServer.with(store) { server in
            let room = try await RoomFixture.open(on: server, members: [("maint", "EDITOR")])
            let token = room.token("maint")
            let base = "/api/rooms/\(room.roomID)"
            let cases: [(String, String, [UInt8]?, Int, String)] = [
                ("GET", "/api/rooms/..%2F..%2Fetc%2Fpasswd/messages", nil, 400, "invalid_request"),
                ("GET", "/api/rooms/not-a-uuid", nil, 400, "invalid_request"),
                ("GET", "\(base)/messages?limit=100000", nil, 400, "invalid_request"),
                ("GET", "\(base)/messages?limit=0", nil, 400, "invalid_request"),
                ("GET", "\(base)/messages?limit=abc", nil, 400, "invalid_request"),
                ("GET", "\(base)/messages?before_seq=-1", nil, 400, "invalid_request"),
                ("GET", "/api/rooms?offset=-5", nil, 400, "invalid_request"),
                ("GET", "\(base)/messages/search?q=a", nil, 400, "invalid_request"),
                ("POST", "\(base)/messages", Array("{".utf8), 400, "invalid_request"),
                ("POST", "\(base)/messages", Array("[1,2]".utf8), 400, "invalid_request"),
                ("POST", "\(base)/messages", Array(#"{"content": 42}"#.utf8), 422, "validation_failed"),
                ("POST", "\(base)/messages", Array(#"{"content": "a", "content": "b"}"#.utf8), 400, "invalid_request"),
                (
                    "POST", "\(base)/messages",
                    Array((String(repeating: "[", count: 100) + String(repeating: "]", count: 100)).utf8), 400,
                    "invalid_request"
                ),
                ("POST", "\(base)/messages", Array(#"{"content": "bell\u0007"}"#.utf8), 422, "validation_failed"),
                (
                    "POST", "\(base)/messages",
                    [0x7B, 0x22, 0x63, 0x6F, 0x6E, 0x74, 0x65, 0x6E, 0x74, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D],
                    400,
                    "invalid_request"
                ),
                (
                    "POST", "\(base)/messages", Array(#"{"content": "hi", "message_type": "system"}"#.utf8), 422,
                    "validation_failed"
                ),
                (
                    "POST", "\(base)/messages", Array(#"{"content": "hi", "mentions": "everyone"}"#.utf8), 422,
                    "validation_failed"
                ),
            ]
            for (method, path, body, status, code) in cases {
                let response = try await server.call(method, path, token: token, raw: body)
                #expect(
                    response.status == status,
                    "\(method) \(path) \(body.map { String(decoding: $0, as: UTF8.self) } ?? ""): \(response.status) \(response.text)"
                )
                #expect(response.errorCode == code, "\(path)")
            }
        }
    }

    @Test(arguments: StoreKind.available) func contentAtTheLimitIsStoredAndOneByteOverIsRefused(_ store: StoreKind)
        async throws
    {
        try await TestServer.with(store) { server in
            let room = try await RoomFixture.open(on: server, members: [("maint", "EDITOR")])
            let base = "/api/rooms/\(room.roomID)/messages"
            let atLimit = String(repeating: "界", count: 3413) + "a"  // 10 240 bytes
            let stored = try await server.call(
                "POST", base, token: room.token("maint"), body: ["content": .string(atLimit)])
            #expect(stored.status == 201)
            #expect(stored.json["content"]?.stringValue == atLimit)
            let over = try await server.call(
                "POST", base, token: room.token("maint"), body: ["content": .string(atLimit + "b")])
            #expect(over.status == 413)
            #expect(over.errorCode == "message_too_large")
            let history = try await server.call("GET", "\(base)?limit=1", token: room.token("maint"))
            #expect(history.json["messages"]?[0]?["content"]?.stringValue == atLimit)
        }
    }

    @Test(arguments: StoreKind.available) func hostileWebSocketEventsGetErrorsAndTheConnectionStays(_ store: StoreKind)
        async throws
    {
        try await TestServer.with(store) { server in
            let room = try await RoomFixture.open(on: server, members: [("maint", "EDITOR")])
            let socket = try await server.socket("/ws/\(room.roomID)", token: room.token("maint"))
            _ = try await socket.next("connected")
            for text in [
                "not json", "[]", #"{"type": "launch_rockets"}"#, #"{"no_type": 1}"#,
                #"{"type": "edit_message", "message_id": "../x", "content": "x"}"#,
            ] {
                try await socket.send(text: text)
                let error = try await socket.next("error")
                #expect(error["code"]?.stringValue == "invalid_message", "\(text)")
            }
            try await socket.send([
                "type": .string("message"), "content": .string(String(repeating: "x", count: 10_241)),
            ])
            #expect(try await socket.next("error")["code"]?.stringValue == "message_too_large")
            try await socket.send(["type": .string("delete_message"), "message_id": .string(UUID().uuidString)])
            #expect(try await socket.next("error")["code"]?.stringValue == "not_found")
            try await socket.send(["type": .string("ping")])
            #expect(try await socket.next("pong")["type"]?.stringValue == "pong")
            try await socket.send(binary: [1, 2, 3])
            var closeCode: WebSocketCloseCode?
            for _ in 0..<5 {
                if case .close(let code, _) = try await socket.receive(timeout: .seconds(5)) {
                    closeCode = code
                    break
                }
            }
            #expect(closeCode == 1003)
        }
    }
}
