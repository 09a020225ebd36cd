/// Receives one WebSocket connection's events.
///
/// Every method is called on the connection's event-loop thread, in order, and must not block. Messages arrive
/// whole (fragments reassembled, text validated as UTF-8) and in batches: every message that one read from the
/// socket completed comes in one call, so a delegate can hand them on once per read rather than once per message.
package protocol WebSocketDelegate: AnyObject, Sendable {
    /// The 101 response has been queued; the connection can send.
    func webSocketDidOpen(_ connection: WebSocketConnection)
    /// The messages one read completed, in order (at least one).
    func webSocket(_ connection: WebSocketConnection, didReceive messages: [WebSocketMessage])
    /// The connection is gone; `code` is the close code received or sent, nil when the TCP connection just ended.
    func webSocketDidClose(_ connection: WebSocketConnection, code: WebSocketCloseCode?)
}
