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
