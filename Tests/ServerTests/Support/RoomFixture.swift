import Domain
import Testing

/// A room opened by `op` with members added by role, for the scenario tests.
struct RoomFixture {
    let server: TestServer
    let roomID: String
    var tokens: [String: String]

    /// `op` opens the room; each of `members` is added with its role.
    static func open(
        on server: TestServer, title: String = "Conveyor belt stopped on line 3", members: [(String, String)] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> RoomFixture {
        var tokens = ["op": try await server.login("op", sourceLocation: sourceLocation)]
        let created = try await server.call(
            "POST", "/api/rooms", token: tokens["op"],
            body: [
                "title": .string(title), "incident_type": .string("equipment_failure"), "severity": .string("high"),
                "location": .string("Line 3"), "lots": .array([.string("LOT-2026-1121")]),
            ])
        try #require(created.status == 201, "create room: \(created.text)", sourceLocation: sourceLocation)
        let roomID = try #require(created.json["room_id"]?.stringValue, sourceLocation: sourceLocation)
        for (username, role) in members {
            tokens[username] = try await server.login(username, sourceLocation: sourceLocation)
            let added = try await server.call(
                "POST", "/api/rooms/\(roomID)/members", token: tokens["op"],
                body: ["user_id": .string("\(username)@example.com"), "role": .string(role)])
            try #require(added.status == 201, "add \(username): \(added.text)", sourceLocation: sourceLocation)
        }
        return RoomFixture(server: server, roomID: roomID, tokens: tokens)
    }

    func token(_ username: String) -> String { self.tokens[username]! }

    func socket(_ username: String, query: String = "") async throws -> WebSocketClientSession {
        let client = try await self.server.socket("/ws/\(self.roomID)\(query)", token: self.token(username))
        return WebSocketClientSession(client: client)
    }
}
