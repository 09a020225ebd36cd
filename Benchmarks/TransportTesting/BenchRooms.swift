import Synchronization
import Transport

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
