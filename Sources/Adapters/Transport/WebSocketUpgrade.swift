/// A WebSocket endpoint's answer to an upgrade request.
package enum WebSocketUpgrade: Sendable {
    /// Answer with this plain HTTP response instead of 101 (401, 403, 404 ...).
    case reject(HTTPResponse)
    /// Switch protocols and hand the connection to the acceptance's delegate.
    case accept(WebSocketAcceptance)
}
