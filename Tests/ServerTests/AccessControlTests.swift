import Domain
import Foundation
import TestSupport
import Testing
import Transport

/// Who may see and do what, through the real routes and sockets.
struct AccessControlTests {
    @Test(arguments: StoreKind.available) func aNonMemberCannotReadSearchConnectOrListTheRoom(_ store: StoreKind)
        async throws
    {
        try await TestServer.with(store) { server in
            let room = try await RoomFixture.open(on: server)
            let stranger = try await server.login("stranger")
            let base = "/api/rooms/\(room.roomID)"
            for path in [
                base, "\(base)/messages", "\(base)/messages/search?q=belt", "\(base)/members", "\(base)/report",
                "\(base)/online",
            ] {
                let response = try await server.call("GET", path, token: stranger)
                #expect(response.status == 403, "\(path): \(response.status)")
                #expect(response.errorCode == "forbidden", "\(path)")
            }
            let list = try await server.call("GET", "/api/rooms", token: stranger)
            #expect(list.json["total"]?.intValue == 0)
            await #expect(
                throws: WebSocketClientError.handshakeRejected(
                    status: 403,
                    body: Array(
                        #"{"error":{"code":"forbidden","message":"You do not have access to this room."}}"#.utf8))
            ) {
                _ = try await server.socket("/ws/\(room.roomID)", token: stranger)
            }
            let admin = try await server.login("admin")
            #expect(try await server.call("GET", "\(base)/messages", token: admin).status == 200)
            let unknown = try await server.call("GET", "/api/rooms/\(UUID().uuidString.lowercased())", token: admin)
            #expect(unknown.status == 404)
        }
    }

    @Test(arguments: StoreKind.available) func aRemovedMembersSocketIsClosedWithPolicyViolation(_ store: StoreKind)
        async throws
    {
        try await TestServer.with(store) { server in
            let room = try await RoomFixture.open(on: server, members: [("maint", "EDITOR")])
            let maint = try await server.socket("/ws/\(room.roomID)", token: room.token("maint"))
            _ = try await maint.next("connected")
            let removed = try await server.call(
                "DELETE", "/api/rooms/\(room.roomID)/members/maint@example.com", token: room.token("op"))
            #expect(removed.status == 204)
            var closeCode: WebSocketCloseCode?
            for _ in 0..<20 {
                if case .close(let code, _) = try await maint.receive(timeout: .seconds(5)) {
                    closeCode = code
                    break
                }
            }
            #expect(closeCode == 1008)
        }
    }

    @Test(arguments: StoreKind.available) func aConnectedEditorSendsWithItsNewRoleOnceTheChangeIsAnnounced(
        _ store: StoreKind
    ) async throws {
        try await TestServer.with(store) { server in
            let room = try await RoomFixture.open(on: server, members: [("maint", "EDITOR")])
            let maint = try await server.socket("/ws/\(room.roomID)", token: room.token("maint"))
            _ = try await maint.next("connected")
            try await maint.send([
                "type": .string("message"), "content": .string("pump isolated"), "client_id": .string("m-1"),
            ])
            _ = try await maint.next("ack")

            let path = "/api/rooms/\(room.roomID)/members/maint@example.com"
            #expect(
                try await server.call("PATCH", path, token: room.token("op"), body: ["role": .string("VIEWER")]).status
                    == 200)
            try await Self.awaitSystemMessage("role_changed", on: maint)
            try await maint.send([
                "type": .string("message"), "content": .string("still here?"), "client_id": .string("m-2"),
            ])
            let refused = try await maint.next("error")
            #expect(refused["code"]?.stringValue == "insufficient_permissions")
            #expect(refused["client_id"]?.stringValue == "m-2")

            #expect(
                try await server.call("PATCH", path, token: room.token("op"), body: ["role": .string("EDITOR")]).status
                    == 200)
            try await Self.awaitSystemMessage("role_changed", on: maint)
            try await maint.send(["type": .string("message"), "content": .string("back"), "client_id": .string("m-3")])
            #expect(try await maint.next("ack")["client_id"]?.stringValue == "m-3")
        }
    }

    /// Reads until the system message recording `event` arrives.
    static func awaitSystemMessage(_ event: String, on socket: WebSocketClient) async throws {
        for _ in 0..<50 {
            let message = try await socket.next("message")["message"]
            if message?["message_type"]?.stringValue == "system", message?["metadata"]?["event"]?.stringValue == event {
                return
            }
        }
        Issue.record("no \(event) system message")
    }

    @Test(arguments: StoreKind.available) func revokedExpiredAndForgedTokensAreRefusedEverywhere(_ store: StoreKind)
        async throws
    {
        try await TestServer.with(store) { server in
            let room = try await RoomFixture.open(on: server)
            let token = room.token("op")
            let open = try await server.socket("/ws/\(room.roomID)", token: token)
            _ = try await open.next("connected")
            #expect(try await server.call("POST", "/api/auth/logout", token: token).status == 204)
            var closeCode: WebSocketCloseCode?
            for _ in 0..<20 {
                if case .close(let code, _) = try await open.receive(timeout: .seconds(5)) {
                    closeCode = code
                    break
                }
            }
            #expect(closeCode == 1008, "a socket opened with a token closes when the token is revoked")
            for (method, path) in [
                ("GET", "/api/auth/me"), ("GET", "/api/rooms"), ("GET", "/api/rooms/\(room.roomID)/messages"),
            ] {
                let response = try await server.call(method, path, token: token)
                #expect(response.status == 401, "\(path)")
                #expect(response.errorCode == "unauthorized")
            }
            await #expect(throws: WebSocketClientError.self) {
                _ = try await server.socket("/ws/\(room.roomID)", token: token)
            }
            let forged = String(token.dropLast(4)) + "AAAA"
            #expect(try await server.call("GET", "/api/rooms", token: forged).status == 401)
            #expect(try await server.call("GET", "/api/rooms", token: nil).status == 401)
            #expect(try await server.call("GET", "/api/rooms", token: "not.a.jwt").status == 401)
        }
    }

    @Test(TestEnvironment.requires("TEST_DATABASE_URL"))
    func logoutOnOneProcessClosesTheTokensSocketsOnAnother() async throws {
        let first = try await TestServer(.postgres)
        let second = try await TestServer(.postgres)
        defer {
            Task {
                await first.stop()
                await second.stop()
            }
        }
        let room = try await RoomFixture.open(on: first, members: [("maint", "EDITOR")])
        let token = room.token("maint")
        let elsewhere = try await second.socket("/ws/\(room.roomID)", token: token)
        _ = try await elsewhere.next("connected")
        // The second process listens once a message sent through the first reaches its socket.
        let op = try await first.socket("/ws/\(room.roomID)", token: room.token("op"))
        _ = try await op.next("connected")
        try await op.send(["type": .string("message"), "content": .string("listening?")])
        _ = try await elsewhere.next("message", timeout: .seconds(10))

        #expect(try await first.call("POST", "/api/auth/logout", token: token).status == 204)
        var closeCode: WebSocketCloseCode?
        for _ in 0..<20 {
            if case .close(let code, _) = try await elsewhere.receive(timeout: .seconds(5)) {
                closeCode = code
                break
            }
        }
        #expect(closeCode == 1008, "the socket on the other process closes at once, not when the token expires")
    }

    @Test(arguments: StoreKind.available) func loginFailuresAreTheSameAndLockOutAfterFive(_ store: StoreKind)
        async throws
    {
        try await TestServer.with(store) { server in
            let unknown = try await server.call(
                "POST", "/api/auth/login", body: ["username": .string("nobody"), "password": .string("x")])
            let wrong = try await server.call(
                "POST", "/api/auth/login", body: ["username": .string("maint"), "password": .string("x")])
            let empty = try await server.call(
                "POST", "/api/auth/login", body: ["username": .string("maint"), "password": .string("")])
            #expect(unknown.status == 401)
            #expect(wrong.status == 401)
            #expect(empty.status == 401)
            #expect(unknown.json == wrong.json)
            #expect(wrong.errorCode == "invalid_credentials")
            for _ in 0..<3 {
                _ = try await server.call(
                    "POST", "/api/auth/login", body: ["username": .string("maint"), "password": .string("x")])
            }
            let locked = try await server.call(
                "POST", "/api/auth/login", body: ["username": .string("maint"), "password": .string("pw")])
            #expect(locked.status == 429)
            #expect(locked.errorCode == "rate_limited")
            #expect(locked.retryAfter.flatMap(Int.init).map { $0 > 0 && $0 <= 300 } == true)
        }
    }
}
