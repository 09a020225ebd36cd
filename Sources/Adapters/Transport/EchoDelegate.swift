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
