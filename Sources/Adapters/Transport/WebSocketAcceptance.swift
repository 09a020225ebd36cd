/// How an accepted WebSocket connection is served.
package struct WebSocketAcceptance: Sendable {
    /// Receives the connection's events, on its loop thread.
    package var delegate: any WebSocketDelegate
    /// The subprotocol to confirm; it should be one the client offered in `Sec-WebSocket-Protocol`.
    package var subprotocol: String?
    /// The largest message (after reassembling fragments) accepted; larger ones close the connection with 1009.
    package var maxMessageSize: Int

    /// Accepts with `delegate`, an optional subprotocol and a message size limit (1 MiB by default).
    package init(delegate: any WebSocketDelegate, subprotocol: String? = nil, maxMessageSize: Int = 1 << 20) {
        self.delegate = delegate
        self.subprotocol = subprotocol
        self.maxMessageSize = maxMessageSize
    }
}
