/// Why a `WebSocketClient` call failed.
package enum WebSocketClientError: Error, Equatable, Sendable {
    /// The server answered the upgrade with a status other than 101.
    case handshakeRejected(status: Int, body: [UInt8])
    /// The 101 response was malformed (wrong `Sec-WebSocket-Accept`, missing `Upgrade`).
    case invalidHandshake(String)
    /// Nothing arrived in time.
    case timeout
    /// The connection is closed.
    case closed
    /// The TCP connection failed (errno).
    case connectFailed(errno: Int32)
}
