/// Receives one WebSocket connection's events.
///
/// Every method is called on the connection's event-loop thread, in order, and must not block: hand work to an
/// actor or task. Text and binary messages arrive whole (fragments reassembled, UTF-8 already validated).
package protocol WebSocketDelegate: AnyObject, Sendable {
    /// The 101 response has been queued; the connection can send.
    func webSocketDidOpen(_ connection: WebSocketConnection)
    /// A complete text message.
    func webSocket(_ connection: WebSocketConnection, didReceiveText text: String)
    /// A complete binary message.
    func webSocket(_ connection: WebSocketConnection, didReceiveBinary bytes: [UInt8])
    /// The connection is gone; `code` is the close code received or sent, nil when the TCP connection just ended.
    func webSocketDidClose(_ connection: WebSocketConnection, code: UInt16?)
}
