import Transport

/// Echoes messages back, for Autobahn.
final class EchoDelegate: WebSocketDelegate {
    func webSocketDidOpen(_ connection: WebSocketConnection) {}

    func webSocket(_ connection: WebSocketConnection, didReceive messages: [WebSocketMessage]) {
        for message in messages {
            switch message {
            case .text(let bytes): connection.send(.text(bytes))
            case .binary(let bytes): connection.send(.binary(bytes))
            }
        }
    }

    func webSocketDidClose(_ connection: WebSocketConnection, code: WebSocketCloseCode?) {}
}
