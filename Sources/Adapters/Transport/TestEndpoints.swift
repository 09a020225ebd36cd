import Synchronization

/// Transport-only endpoints for conformance runs and benchmarks; servers install them only behind a test flag.
///
/// - `/ws/echo`: echoes every message (the Autobahn|Testsuite target), messages up to 64 MiB.
/// - `/ws/bench/:room`: every text message is broadcast to every connection of the room, the sender's too,
///   as one `OutboundFrame` serialized once.
package enum TestEndpoints {
    /// Adds the test endpoints to `router`.
    package static func install(on router: Router) {
        router.addWebSocket("/ws/echo") { _ in
            .accept(WebSocketAcceptance(delegate: EchoDelegate(), maxMessageSize: 64 << 20))
        }
        let rooms = BenchRooms()
        router.addWebSocket("/ws/bench/:room") { request in
            let room = request.pathParameters["room"] ?? ""
            return .accept(WebSocketAcceptance(delegate: BenchDelegate(room: room, rooms: rooms)))
        }
    }
}

/// Echoes messages back, for Autobahn.
final class EchoDelegate: WebSocketDelegate {
    func webSocketDidOpen(_ connection: WebSocketConnection) {}

    func webSocket(_ connection: WebSocketConnection, didReceiveText text: String) {
        connection.send(.text(text))
    }

    func webSocket(_ connection: WebSocketConnection, didReceiveBinary bytes: [UInt8]) {
        connection.send(.binary(bytes))
    }

    func webSocketDidClose(_ connection: WebSocketConnection, code: UInt16?) {}
}

/// The members of each bench room.
final class BenchRooms: Sendable {
    private let rooms = Mutex<[String: [WebSocketConnection]]>([:])

    func join(_ room: String, _ connection: WebSocketConnection) {
        self.rooms.withLock { $0[room, default: []].append(connection) }
    }

    func leave(_ room: String, _ connection: WebSocketConnection) {
        self.rooms.withLock { rooms in
            rooms[room]?.removeAll { $0 === connection }
            if rooms[room]?.isEmpty == true { rooms[room] = nil }
        }
    }

    /// The room's members now (a copy-on-write snapshot: no copy unless the room changes meanwhile).
    func members(_ room: String) -> [WebSocketConnection] {
        self.rooms.withLock { $0[room] ?? [] }
    }
}

/// Broadcasts every text message to the room, serialized once.
final class BenchDelegate: WebSocketDelegate {
    let room: String
    let rooms: BenchRooms

    init(room: String, rooms: BenchRooms) {
        self.room = room
        self.rooms = rooms
    }

    func webSocketDidOpen(_ connection: WebSocketConnection) {
        self.rooms.join(self.room, connection)
    }

    func webSocket(_ connection: WebSocketConnection, didReceiveText text: String) {
        let frame = OutboundFrame.text(text)
        for member in self.rooms.members(self.room) { member.send(frame) }
    }

    func webSocket(_ connection: WebSocketConnection, didReceiveBinary bytes: [UInt8]) {
        connection.close(code: 1003, reason: "text only")
    }

    func webSocketDidClose(_ connection: WebSocketConnection, code: UInt16?) {
        self.rooms.leave(self.room, connection)
    }
}
