/// What a `WebSocketClient` receives.
package enum WebSocketClientMessage: Sendable, Equatable {
    case text(String)
    case binary([UInt8])
    /// The server's close frame (code nil when it had none) or the end of the connection (code nil, empty reason).
    case close(code: WebSocketCloseCode?, reason: String)
}
