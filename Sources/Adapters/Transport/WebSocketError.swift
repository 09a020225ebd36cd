/// A violation that fails a WebSocket connection, with the close code to send (RFC 6455 §7.4.1).
package struct WebSocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1002 protocol error, 1007 invalid payload data, 1009 message too big.
    package var closeCode: WebSocketCloseCode
    /// A short reason for the close frame (at most 123 bytes).
    package var reason: String

    /// A failure closing with `closeCode` and `reason`.
    package init(closeCode: WebSocketCloseCode, reason: String) {
        self.closeCode = closeCode
        self.reason = reason
    }

    /// A 1002 protocol error.
    package static func protocolError(_ reason: String) -> WebSocketError {
        WebSocketError(closeCode: .protocolError, reason: reason)
    }

    /// The code and the reason.
    package var description: String { "WebSocketError(\(self.closeCode), \(self.reason))" }
}
