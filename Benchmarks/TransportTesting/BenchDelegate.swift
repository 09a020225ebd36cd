import Transport

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

    func webSocket(_ connection: WebSocketConnection, didReceive messages: [WebSocketMessage]) {
        for message in messages {
            guard case .text(let bytes) = message else {
                connection.close(code: .unsupportedData, reason: "text only")
                return
            }
            WebSocketConnection.send(.text(bytes), to: self.rooms.members(self.room))
        }
    }

    func webSocketDidClose(_ connection: WebSocketConnection, code: WebSocketCloseCode?) {
        self.rooms.leave(self.room, connection)
    }
}
