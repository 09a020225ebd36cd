import HTTPCore
import Domain
import HTTPClient

/// Prepares a run against the real service (`incident-bench room`): signs in `bench1` ... `benchN` (the demo
/// directory of `incidentd --demo-directory`), opens the rooms as the first user, adds the others as EDITOR, and
/// returns, for every connection, the path of its room socket and its user's token.
struct RoomSetup {
    struct Connection {
        var room: String
        var token: String
    }

    let base: String
    let client = HTTPClient()

    /// Connection `i` belongs to room `i % rooms` and signs in as `bench(i + 1)`.
    func prepare(connections: Int, rooms: Int, password: String) async throws -> [Connection] {
        var tokens: [String] = []
        for index in 1...connections {
            tokens.append(try await self.login("bench\(index)", password: password))
        }
        var roomIDs: [String] = []
        for number in 0..<rooms {
            let created = try await self.call(
                "POST", "/api/rooms", token: tokens[0],
                body: [
                    "title": .string("Bench room \(number + 1)"), "incident_type": .string("other"),
                    "severity": .string("low"),
                ])
            guard let id = created["room_id"]?.stringValue else {
                throw SetupError(step: "create room", answer: created)
            }
            roomIDs.append(id)
        }
        for index in 1..<connections {
            let room = roomIDs[index % rooms]
            let added = try await self.call(
                "POST", "/api/rooms/\(room)/members", token: tokens[0],
                body: [
                    "user_id": .string("bench\(index + 1)@example.com"), "role": .string("EDITOR"),
                ])
            guard added["user_id"] != nil || added["error"]?["code"]?.stringValue == "conflict" else {
                throw SetupError(step: "add member", answer: added)
            }
        }
        // The first user owns every room; it joins the rooms it was not placed in as a listener too.
        return (0..<connections).map { Connection(room: roomIDs[$0 % rooms], token: tokens[$0]) }
    }

    private func login(_ username: String, password: String) async throws -> String {
        let answer = try await self.call(
            "POST", "/api/auth/login", token: nil,
            body: [
                "username": .string(username), "password": .string(password),
            ])
        guard let token = answer["token"]?.stringValue else {
            throw SetupError(step: "login \(username)", answer: answer)
        }
        return token
    }

    private func call(_ method: String, _ path: String, token: String?, body: JSONObject) async throws -> JSONValue {
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let response = try await self.client.request(
            method: method, url: self.base + path, headers: .init(headers), body: JSONWriter.encode(.object(body)))
        return (try? JSONParser().parse(response.body)) ?? .null
    }
}

struct SetupError: Error, CustomStringConvertible {
    var step: String
    var answer: JSONValue
    var description: String { "setup failed at \(self.step): \(JSONWriter.string(self.answer))" }
}
