import Transport

/// What a WebSocket session needs of its connection: `WebSocketConnection` is it in the server, a recording fake in
/// the session tests (which then run without sockets).
protocol SessionConnection: AnyObject, Sendable {
    var id: UInt64 { get }
    func send(_ frame: OutboundFrame)
    func close(code: WebSocketCloseCode, reason: String)
    func pauseReading()
    func resumeReading()
}

extension WebSocketConnection: SessionConnection {}

extension [any SessionConnection] {
    /// Queues one frame on every connection; the server's connections get it as one batch per event loop.
    func send(_ frame: OutboundFrame) {
        var sockets: [WebSocketConnection] = []
        sockets.reserveCapacity(self.count)
        for connection in self {
            if let socket = connection as? WebSocketConnection {
                sockets.append(socket)
            } else {
                connection.send(frame)
            }
        }
        WebSocketConnection.send(frame, to: sockets)
    }
}
