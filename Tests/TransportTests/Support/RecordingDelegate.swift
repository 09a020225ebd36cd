import Synchronization
import Transport

/// Records a WebSocket's events; optionally echoes text.
final class RecordingDelegate: WebSocketDelegate {
    enum Event: Equatable {
        case open
        case text(String)
        case binary([UInt8])
        case close(WebSocketCloseCode?)
    }

    private let state = Mutex<[Event]>([])
    let echo: Bool
    let onOpen: (@Sendable (WebSocketConnection) -> Void)?

    init(echo: Bool = false, onOpen: (@Sendable (WebSocketConnection) -> Void)? = nil) {
        self.echo = echo
        self.onOpen = onOpen
    }

    var events: [Event] { self.state.withLock { $0 } }

    var closeCode: WebSocketCloseCode?? {
        for event in self.events {
            if case .close(let code) = event { return .some(code) }
        }
        return nil
    }

    func webSocketDidOpen(_ connection: WebSocketConnection) {
        self.state.withLock { $0.append(.open) }
        self.onOpen?(connection)
    }

    func webSocket(_ connection: WebSocketConnection, didReceive messages: [WebSocketMessage]) {
        for message in messages {
            switch message {
            case .text(let bytes):
                self.state.withLock { $0.append(.text(String(decoding: bytes, as: UTF8.self))) }
                if self.echo { connection.send(.text(bytes)) }
            case .binary(let bytes):
                self.state.withLock { $0.append(.binary(bytes)) }
            }
        }
    }

    func webSocketDidClose(_ connection: WebSocketConnection, code: WebSocketCloseCode?) {
        self.state.withLock { $0.append(.close(code)) }
    }
}
